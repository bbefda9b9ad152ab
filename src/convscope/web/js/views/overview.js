// The overview: the input's channels, every layer's maps in columns, the
// class column; hover shows incoming connections, value ranges and pixel values.
import { formatValue, shapeText } from "../core/format.js";
import { incomingEdges, overviewLayout } from "../core/layout.js";
import { pageText } from "../core/paging.js";
import { cellText } from "../core/reduced.js";
import { domainFor } from "../core/scales.js";
import { mapValues } from "../core/tensor.js";
import { createClasses } from "./classes.js";
import { el, place } from "./dom.js";
import { createEdges } from "./edges.js";
import { cellAt, mapCanvas, paintMap } from "./maps.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const key = (name, channel) => `${name}#${channel}`;

/** handlers: {onSelectLayer(name), onPage(name, page), onClasses(view), tooltip}. Returns {build, setTrace, paintLayer, repaint, select}. */
export function createOverview(root, handlers) {
  const scroller = el("div", "overview-scroll");
  const stage = el("div", "stage");
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.classList.add("edges");
  stage.append(svg);
  scroller.append(stage);
  root.append(scroller);
  const edges = createEdges(svg);
  let s = null;

  function boxesOf(name, channel) {
    const e = incomingEdges(name, channel, s.model, s.columns);
    const to = s.boxes.get(key(name, channel));
    return e.map((edge) => ({ from: s.boxes.get(key(edge.from, edge.channel)), to })).filter((p) => p.from && p.to);
  }

  function build(model, columns, { details, mapSize, classList = null }) {
    const focused = document.activeElement && stage.contains(document.activeElement) ? document.activeElement : null;
    const refocus = focused && focused.dataset.pager ? `.map-pager button[data-layer="${CSS.escape(focused.dataset.layer)}"][data-pager="${focused.dataset.pager}"]` : null;
    stage.querySelectorAll(":scope > :not(svg)").forEach((n) => n.remove());
    const layout = overviewLayout(columns, { mapSize, top: details ? 58 : 30 });
    s = { model, columns, layout, boxes: new Map(), canvases: new Map(), labels: new Map(), tensors: new Map(), byName: new Map(model.layers.map((l) => [l.name, l])) };
    Object.assign(stage.style, { width: `${layout.width}px`, height: `${layout.height}px` });
    svg.setAttribute("width", layout.width);
    svg.setAttribute("height", layout.height);
    layout.columns.forEach((placed, i) => buildColumn(columns[i], placed, details, classList));
    const pairs = [];
    for (const col of columns) for (const c of col.channels) pairs.push(...boxesOf(col.name, c));
    edges.draw(pairs);
    edges.highlight([]);
    // Paging rebuilds the stage; the keyboard stays on the pager button it pressed.
    if (refocus) stage.querySelector(refocus)?.focus({ preventScroll: true });
  }

  function buildPager(col, box) {
    const pager = el("div", box.compact ? "map-pager compact" : "map-pager", { role: "group", "aria-label": `${col.name}: channels by activity` });
    pager.dataset.layer = col.name;
    const step = (dir, glyph, words) => {
      const to = col.page + dir;
      const button = el("button", "pager-step", { type: "button", "aria-label": `${words} ${col.slots} channels of ${col.name}` }, glyph);
      Object.assign(button.dataset, { layer: col.name, pager: dir < 0 ? "prev" : "next" });
      // aria-disabled keeps the button focusable at either end, so the keyboard is never dropped.
      if (to < 0 || to >= col.pages) button.setAttribute("aria-disabled", "true");
      else button.addEventListener("click", () => handlers.onPage(col.name, to));
      return button;
    };
    const text = el("span", "pager-text", { title: `most active channels first: ranks ${pageText(col)}` }, pageText(col, box.compact));
    pager.append(step(-1, "‹", "Previous"), text, step(1, "›", "Next"));
    stage.append(place(pager, box));
  }

  function buildColumn(col, placed, details, classList) {
    const label = el("button", "layer-label", { type: "button", "aria-pressed": "false" });
    label.dataset.layer = col.name;
    const layer = s.byName.get(col.name);
    const title = col.type === "classes" ? "classes" : col.name;
    label.append(el("span", "layer-name", {}, title));
    if (details) label.append(el("span", "layer-kind", {}, layer.kind), el("span", "layer-shape", {}, shapeText(col.type === "classes" ? [col.total] : col.shape)));
    if (col.pages > 1) label.append(el("span", "layer-more", {}, "most active first"));
    label.title = `${col.name} · ${layer.kind} · ${shapeText(layer.output_shape)}`;
    const wide = Math.max(placed.width, 84);
    place(label, { x: placed.x + placed.width / 2 - wide / 2, y: 2, w: wide, h: details ? 54 : 26 });
    label.addEventListener("click", () => handlers.onSelectLayer(col.name));
    label.addEventListener("focus", () => edges.highlight(col.channels.flatMap((c) => boxesOf(col.name, c))));
    label.addEventListener("blur", () => edges.highlight([]));
    stage.append(label);
    s.labels.set(col.name, label);
    if (col.type === "classes") {
      s.classes = createClasses(stage, placed, s.model.classes, { list: classList, onClasses: handlers.onClasses });
      placed.maps.forEach((box) => s.boxes.set(key(col.name, box.channel), box));
      return;
    }
    if (placed.pager) buildPager(col, placed.pager);
    const names = s.model.input_spec.channel_names;
    for (const box of placed.maps) {
      s.boxes.set(key(col.name, box.channel), box);
      const canvas = mapCanvas(col, box);
      stage.append(canvas);
      s.canvases.set(key(col.name, box.channel), canvas);
      if (col.display === "input") stage.append(place(el("span", "channel-name", {}, names[box.channel] ?? `channel ${box.channel}`), { x: box.x, y: box.y, w: box.w, h: 14 }));
    }
  }

  function paintLayer(name) {
    const tensor = s.tensors.get(name);
    const col = s.columns.find((c) => c.name === name);
    if (!tensor || !col || !s.ctx) return;
    const chans = tensor.header.channels ?? [0];
    chans.forEach((channel, i) => {
      const canvas = s.canvases.get(key(name, channel));
      if (!canvas) return;
      const domain = domainFor(s.mode, name, channel, s.ctx);
      if (tensor.shape.length === 3) paintMap(canvas, mapValues(tensor, i), tensor.shape[1], tensor.shape[2], domain);
      else paintMap(canvas, tensor.data, tensor.shape[0], 1, domain);
      canvas.dataset.trace = s.traceKey; // lets tests and benchmarks see which trace a map shows
      canvas.dataset.scale = s.mode;
    });
  }

  function hover(event) {
    const target = event.target.closest("canvas.map, .class-row");
    if (!target || !s) {
      edges.highlight([]);
      handlers.tooltip.hide();
      return;
    }
    const isClass = target.classList.contains("class-row");
    const name = isClass ? s.columns.at(-1).name : target.dataset.layer;
    const channel = Number(target.dataset.channel);
    edges.highlight(boxesOf(name, channel));
    if (isClass) {
      handlers.tooltip.hide();
      return;
    }
    handlers.tooltip.show(describeCell(name, channel, cellAt(event, target)), event.clientX, event.clientY);
  }

  function describeCell(name, channel, { y, x }) {
    const layer = s.byName.get(name);
    const tensor = s.tensors.get(name);
    const range = s.ctx && s.ctx.ranges.get(name);
    const lines = [];
    if (layer.output_shape.length === 3) {
      const what = layer.display === "input" ? s.model.input_spec.channel_names[channel] : `channel ${channel}`;
      lines.push(`${name} · ${what}`);
      if (tensor) {
        const i = tensor.header.channels.indexOf(channel);
        const [, , w] = tensor.shape;
        if (i >= 0) lines.push(cellText(tensor.header, y, x, formatValue(mapValues(tensor, i)[y * w + x]))); // -1: a new page still loading
      }
      if (range) lines.push(`map range: ${formatValue(range.channel_ranges[channel][0])} … ${formatValue(range.channel_ranges[channel][1])}`);
    } else {
      lines.push(`${name} · unit ${y}`);
      if (tensor) lines.push(`value: ${formatValue(tensor.data[y])}`);
      if (range) lines.push(`range: ${formatValue(range.min)} … ${formatValue(range.max)}`);
    }
    return lines;
  }

  stage.addEventListener("mousemove", hover);
  stage.addEventListener("mouseleave", () => {
    edges.highlight([]);
    handlers.tooltip.hide();
  });

  return {
    build,
    /** Values arrive per trace: ranges context and probabilities first, tensors layer by layer. */
    setTrace(info, ctx, mode) {
      s.traceKey = `${info.model}/${info.image}`;
      s.ctx = ctx;
      s.mode = mode;
      s.tensors.clear();
      if (s.classes) s.classes.update(info);
    },
    setTensor(name, tensor) {
      s.tensors.set(name, tensor);
      paintLayer(name);
    },
    repaint(ctx, mode) {
      s.ctx = ctx;
      s.mode = mode;
      for (const name of s.tensors.keys()) paintLayer(name);
    },
    select(name) {
      for (const [n, label] of s.labels) {
        label.setAttribute("aria-pressed", String(n === name));
        label.classList.toggle("selected", n === name);
      }
      stage.querySelectorAll("canvas.map").forEach((c) => c.classList.toggle("selected", c.dataset.layer === name));
    },
    get columns() {
      return s ? s.columns : [];
    },
  };
}
