// The overview: the input's channels, every layer's maps in columns, the
// class column; hover shows incoming connections, value ranges and pixel values.
// Deep networks add block headers, fold chips, routes between columns and a minimap.
import { formatValue, shapeText } from "../core/format.js";
import { columnRoutes, routePath } from "../core/blocks.js";
import { edgeLookups, incomingEdges, overviewLayout } from "../core/layout.js";
import { pageText } from "../core/paging.js";
import { cellText } from "../core/reduced.js";
import { domainFor } from "../core/scales.js";
import { mapValues } from "../core/tensor.js";
import { createClasses } from "./classes.js";
import { el, place } from "./dom.js";
import { createEdges } from "./edges.js";
import { blockHeader, columnHeader } from "./headers.js";
import { cellAt, mapCanvas, paintMap } from "./maps.js";
import { createMinimap } from "./minimap.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const key = (name, channel) => `${name}#${channel}`;
// Heights of the block header row and of the band the routes between columns are drawn in.
const BLOCK_ROW = 24;
const ROUTE_BAND = 30;

/** handlers: {onSelectLayer(name), onPage(name, page), onToggleBlock(name), onToggleFold(name), onClasses(view), tooltip}. Returns {build, setTrace, paintLayer, repaint, select}. */
export function createOverview(root, handlers) {
  const scroller = el("div", "overview-scroll");
  const stage = el("div", "stage");
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.classList.add("edges");
  stage.append(svg);
  scroller.append(stage);
  root.append(scroller);
  const minimap = createMinimap(root, scroller);
  const edges = createEdges(svg);
  let s = null;

  function boxesOf(name, channel, lookups = undefined) {
    const e = incomingEdges(name, channel, s.model, s.columns, lookups);
    const to = s.boxes.get(key(name, channel));
    return e.map((edge) => ({ from: s.boxes.get(key(edge.from, edge.channel)), to })).filter((p) => p.from && p.to);
  }

  /** opts: {details, mapSize, columnGap, order, classList}; columns may carry block and fold facts (core/blocks.js overviewPlan). */
  function build(model, columns, { details, mapSize, columnGap, order = "chw", classList = null }) {
    const blockRow = columns.some((c) => c.block) ? BLOCK_ROW : 0;
    const band = model.layers.some((l) => l.inputs.length > 1) || blockRow ? ROUTE_BAND : 0;
    const head = details ? 58 : 30;
    const layout = overviewLayout(columns, { mapSize, top: blockRow + head + band, ...(columnGap ? { columnGap } : {}) });
    // Another image ranks each big layer's channels differently, but the maps sit in the same places:
    // keep every node and canvas, and only say which channel each one shows now.
    const frame = frameKey(columns, { details, mapSize, columnGap, order });
    if (s && s.model === model && s.frame === frame) return rechannel(columns, layout, classList);
    const focused = document.activeElement && stage.contains(document.activeElement) ? document.activeElement : null;
    const refocus = focused ? refocusSelector(focused) : null;
    stage.querySelectorAll(":scope > :not(svg)").forEach((n) => n.remove());
    s = { model, columns, layout, frame, boxes: new Map(), canvases: new Map(), labels: new Map(), sideNames: new Map(), placed: new Map(), tensors: new Map(), byName: new Map(model.layers.map((l) => [l.name, l])), order };
    Object.assign(stage.style, { width: `${layout.width}px`, height: `${layout.height}px` });
    svg.setAttribute("width", layout.width);
    svg.setAttribute("height", layout.height);
    layout.columns.forEach((placed, i) => buildColumn(columns[i], placed, details, blockRow, classList));
    buildBlocks(layout);
    drawEdges();
    drawRoutes(layout, { top: blockRow + head, bottom: blockRow + head + band - 4 }, band > 0);
    minimap.build(layout, columns);
    // Paging and folding rebuild the stage; the keyboard stays on the button it pressed.
    if (refocus) stage.querySelector(refocus)?.focus({ preventScroll: true });
  }

  function drawEdges() {
    const pairs = [];
    const lookups = edgeLookups(s.model, s.columns);
    for (const col of s.columns) for (const c of col.channels) pairs.push(...boxesOf(col.name, c, lookups));
    edges.draw(pairs);
    edges.highlight([]);
  }

  /** Everything that places the overview's nodes, but not which channel each map shows. */
  function frameKey(columns, opts) {
    const cols = columns.map((c) => [c.name, c.type, c.channels.length, c.page, c.pages, c.slots, c.block, c.collapsed, c.unfolded, c.folded].join(":"));
    return JSON.stringify([opts.details, opts.mapSize, opts.columnGap ?? null, opts.order, cols]);
  }

  /** Same places, other channels: relabel the canvases in place and rebuild only the class column's few rows. */
  function rechannel(columns, layout, classList) {
    const old = s.canvases;
    s.columns = columns;
    s.layout = layout;
    s.boxes = new Map();
    s.canvases = new Map();
    s.tensors.clear();
    layout.columns.forEach((placed, i) => {
      const col = columns[i];
      const before = s.placed.get(col.name);
      placed.maps.forEach((box, j) => {
        s.boxes.set(key(col.name, box.channel), box);
        if (col.type === "classes") return;
        const canvas = old.get(key(col.name, before.maps[j].channel));
        // Blank until the new trace's map arrives, as a new canvas would be: never the last image's map under a new label.
        canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
        delete canvas.dataset.trace;
        canvas.dataset.channel = String(box.channel);
        s.canvases.set(key(col.name, box.channel), canvas);
        const side = s.sideNames.get(key(col.name, j));
        if (side) side.textContent = channelName(box.channel);
      });
      s.placed.set(col.name, placed);
      if (col.type === "classes") buildClasses(placed, classList);
    });
    drawEdges();
  }

  function refocusSelector(node) {
    if (node.dataset.pager) return `.map-pager button[data-layer="${CSS.escape(node.dataset.layer)}"][data-pager="${node.dataset.pager}"]`;
    if (node.dataset.block) return `.block-label[data-block="${CSS.escape(node.dataset.block)}"]`;
    if (node.dataset.fold) return `.fold-chip[data-fold="${CSS.escape(node.dataset.fold)}"]`;
    return null;
  }

  function drawRoutes(layout, band, shown) {
    const at = new Map(layout.columns.map((c, i) => [c.name, { ...c, index: i }]));
    const list = [];
    if (shown) {
      for (const route of columnRoutes(s.model, s.columns)) {
        const from = at.get(route.from);
        const to = at.get(route.to);
        if (!from || !to) continue;
        const span = to.index - from.index - 1;
        // A shortcut: one of several inputs, passing no layer of its own, over columns or around a collapsed block.
        const skip = route.of > 1 && route.start === route.from && (span > 0 || Boolean(s.columns[to.index].collapsed));
        list.push({ route, skip, d: routePath(from, to, { ...route, span }, band) });
      }
    }
    s.routes = list.map((r) => r.route);
    edges.routes(list);
  }

  function buildBlocks(layout) {
    const blocks = new Map((s.model.blocks ?? []).map((b) => [b.name, b]));
    for (const span of layout.blocks) {
      const block = blocks.get(span.name);
      if (!block) continue;
      blockHeader(stage, span, block, {
        y: 2,
        onToggle: (name) => handlers.onToggleBlock(name),
        onHover: (hovered) => highlightBlock(hovered),
      });
    }
  }

  /** A hovered or focused block: its routes in and out, and the columns they join, stand out. */
  function highlightBlock(span) {
    const inside = new Set(span ? span.columns : []);
    const crosses = (r) => inside.has(r.to) !== inside.has(r.from);
    edges.highlightRoutes(span ? crosses : null);
    const ends = new Set(span ? s.routes.filter(crosses).flatMap((r) => [r.from, r.to]) : []);
    for (const [name, label] of s.labels) label.classList.toggle("block-io", ends.has(name));
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

  function buildColumn(col, placed, details, blockRow, classList) {
    const layer = s.byName.get(col.name);
    const label = columnHeader(stage, col, placed, layer, { details, order: s.order, y: 2 + blockRow, onFold: (name) => handlers.onToggleFold(name) });
    label.addEventListener("click", () => handlers.onSelectLayer(col.name));
    label.addEventListener("focus", () => edges.highlight(col.channels.flatMap((c) => boxesOf(col.name, c))));
    label.addEventListener("blur", () => edges.highlight([]));
    label.addEventListener("keydown", (event) => moveFocus(event, col.name));
    s.labels.set(col.name, label);
    s.placed.set(col.name, placed);
    if (col.type === "classes") {
      buildClasses(placed, classList);
      placed.maps.forEach((box) => s.boxes.set(key(col.name, box.channel), box));
      return;
    }
    if (placed.pager) buildPager(col, placed.pager);
    placed.maps.forEach((box, j) => {
      s.boxes.set(key(col.name, box.channel), box);
      const canvas = mapCanvas(col, box);
      stage.append(canvas);
      s.canvases.set(key(col.name, box.channel), canvas);
      if (col.display !== "input") return;
      // Beside the map, in the gap before the next column: a label never covers the image.
      const side = place(el("span", "channel-name beside", {}, channelName(box.channel)), { x: box.x + box.w + 2, y: box.y + box.h / 2 - 7, w: 40, h: 14 });
      s.sideNames.set(key(col.name, j), side);
      stage.append(side);
    });
  }

  function channelName(channel) {
    return s.model.input_spec.channel_names[channel] ?? `channel ${channel}`;
  }

  /** The class column's rows (and with many classes its search and pager), in a holder a rechannel replaces. */
  function buildClasses(placed, classList) {
    if (s.classHolder) s.classHolder.remove();
    s.classHolder = el("div", "class-column");
    stage.append(s.classHolder);
    s.classes = createClasses(s.classHolder, placed, s.model.classes, { list: classList, onClasses: handlers.onClasses });
  }

  /** Left and right arrows move between column headers (Enter on one selects its layer). */
  function moveFocus(event, name) {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    const names = [...s.labels.keys()];
    const next = s.labels.get(names[names.indexOf(name) + step]);
    if (!next) return;
    event.preventDefault();
    next.focus({ preventScroll: true });
    next.scrollIntoView({ block: "nearest", inline: "nearest" });
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
      if (!s) return; // nothing built yet (the model failed to load)
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
