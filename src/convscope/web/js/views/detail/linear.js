// Flatten + fully connected view: the maps that were flattened (hover a flattened
// unit to see its source pixel), inputs, weights and products coloured by sign and
// size, the largest contributions, the bias and the sum; then on to the softmax.
import { pageOf, wrapCell, wrapIndex } from "../../core/detail.js";
import { formatValue } from "../../core/format.js";
import { mapValues } from "../../core/tensor.js";
import { el } from "../dom.js";
import { paintMap } from "../maps.js";
import { classFinder } from "../topclasses.js";
import { pagedClasses } from "./classpages.js";
import { domainOf, mapFigure, num, panel } from "./common.js";

const WRAP = 64;
const SOURCE_MAPS = 16;
// Up to this many classes each get a button; more get a page of CLASS_PAGE buttons with search.
const CLASS_BUTTONS = 40;
const CLASS_PAGE = 20;

/** A long vector drawn as a block of WRAP-wide rows; hover reports the index. */
function strip(values, label, onHover) {
  const rows = Math.ceil(values.length / WRAP);
  const width = Math.min(WRAP, values.length);
  const padded = new Float32Array(rows * width);
  padded.set(values);
  const figure = el("figure", "strip");
  const canvas = el("canvas", "strip-canvas");
  paintMap(canvas, padded, rows, width, domainOf(values));
  canvas.style.height = `${Math.max(8, Math.min(160, rows * 6))}px`;
  canvas.addEventListener("mousemove", (event) => {
    const r = canvas.getBoundingClientRect();
    const col = Math.floor(((event.clientX - r.left) / r.width) * width);
    const row = Math.floor(((event.clientY - r.top) / r.height) * rows);
    const i = wrapIndex(row, col, width, values.length);
    if (i !== null) onHover(i);
  });
  const mark = el("div", "strip-mark");
  mark.hidden = true;
  const frame = el("div", "strip-frame");
  frame.append(canvas, mark);
  figure.append(el("figcaption", "", {}, label), frame);
  return {
    node: figure,
    canvas,
    mark(i) {
      const { row, col } = wrapCell(i, width);
      Object.assign(mark.style, { top: `${(row / rows) * 100}%`, left: `${(col / width) * 100}%`, width: `${100 / width}%`, height: `${100 / rows}%` });
      mark.hidden = false;
    },
  };
}

function classButton(ctx, step, i, logit = null) {
  const b = el("button", "class-pick", { type: "button", "aria-pressed": String(i === step.position.index) }, ctx.model.classes[i]);
  b.dataset.index = String(i);
  // The class score the trace computed (the server's logits), shown beside the name.
  if (logit !== null) b.append(num(logit, "num class-logit", formatValue));
  b.addEventListener("click", () => ctx.navigate({ channel: i }));
  return b;
}

/** Many classes: a page of buttons, most probable first, each with its logit; search and pages. */
function classPages(ctx, step) {
  const buttons = el("div", "unit-picker class-page-buttons", { role: "group", "aria-label": "Classes, most probable first" });
  const key = `${ctx.info.model}/${ctx.info.image}`;
  const controls = pagedClasses(ctx.model.classes, ctx.info.ranking, { k: CLASS_PAGE, key, view: "linear" }, (list) => {
    buttons.replaceChildren(...list.channels.map((i) => classButton(ctx, step, i, ctx.info.logits[i])));
  });
  const box = el("div", "linear-class-pages");
  box.append(controls, buttons);
  return box;
}

function unitPicker(ctx, step) {
  const bar = el("div", "unit-picker", { role: "group", "aria-label": "Unit" });
  if (step.label !== null && ctx.model.classes.length <= CLASS_BUTTONS) {
    bar.append(...ctx.model.classes.map((_, i) => classButton(ctx, step, i)));
    return bar;
  }
  const input = el("input", "unit-input", { type: "number", min: "0", max: String(ctx.layer.output_shape[0] - 1), value: String(step.position.index), "aria-label": "unit index" });
  const go = el("button", "", { type: "button" }, "Show unit");
  go.addEventListener("click", () => ctx.navigate({ channel: Math.max(0, Number.parseInt(input.value, 10) || 0) }));
  bar.append(el("span", "", {}, step.label !== null ? "class index " : "unit "), input, go);
  if (step.label === null) return bar;
  bar.append(classFinder(ctx.model.classes, (i) => ctx.navigate({ channel: i }), "linear-classes"));
  const wrap = el("div");
  wrap.append(bar, classPages(ctx, step));
  return wrap;
}

async function sourceMaps(ctx, step) {
  const name = step.source_layer;
  const order = ctx.info.layers.find((l) => l.name === name).channel_order; // most active first, from the server
  const { channels } = pageOf(order, 0, SOURCE_MAPS);
  const tensor = await ctx.tensor(name, channels);
  const box = panel(`${name}: the maps that were flattened${channels.length < step.source_shape[0] ? ` (${channels.length} most active of ${step.source_shape[0]})` : ""}`, "flatten-sources");
  const figs = new Map();
  const row = el("div", "source-maps");
  channels.forEach((c, i) => {
    const values = mapValues(tensor, i);
    const fig = mapFigure(values, tensor.shape[1], tensor.shape[2], domainOf(values), { label: `channel ${c}`, size: 64 });
    figs.set(c, fig);
    row.append(fig.node);
  });
  box.append(row);
  return { node: box, figs };
}

export async function open(root, ctx) {
  const index = ctx.state.channel ?? 0;
  const step = await ctx.api.explain(ctx.info, ctx.layer.name, { index });
  // A flatten input maps each unit back to its (c, y, x): hovering a unit asks it where from.
  const flattenInput = ctx.byName.get(step.input_layer)?.connectivity.mode === "unrolled";
  const sources = step.source_layer && flattenInput ? await sourceMaps(ctx, step) : null;
  const hoverLine = el("p", "dworked hover-line", { "aria-live": "polite" }, "Hover a unit of the strips below or a row of the table.");
  let hoverToken = 0;

  async function hover(i) {
    for (const s of strips) s.mark(i);
    hoverLine.replaceChildren(`unit ${i}: input `, num(step.inputs[i]), " × weight ", num(step.weights[i]), " = ", num(step.products[i]));
    if (!sources) return;
    const mine = ++hoverToken;
    const flat = await ctx.api.explain(ctx.info, step.input_layer, { index: i });
    if (mine !== hoverToken) return;
    const { channel, y, x } = flat.source;
    for (const fig of sources.figs.values()) fig.clear();
    const fig = sources.figs.get(channel);
    if (fig) fig.mark(y, x);
    hoverLine.append(` · from ${step.source_layer} channel ${channel}, row ${y}, column ${x}${fig ? "" : " (not among the maps shown)"} · unit ${flat.hwc_index} in H×W×C order`);
  }

  const title = step.label !== null ? `class “${step.label}” (unit ${index})` : `unit ${index}`;
  root.append(el("p", "hint", {}, `${ctx.layer.name} computes ${title} as Σ weight × input over its ${step.inputs.length} inputs, plus a bias.`));
  root.append(unitPicker(ctx, step));
  if (sources) root.append(sources.node);
  const strips = [
    strip(step.inputs, `inputs (${step.input_layer}, ${step.inputs.length} units)`, hover),
    strip(step.weights, "weights: red positive, blue negative, stronger = larger", hover),
    strip(step.products, "products weight × input", hover),
  ];
  const stripRow = el("div", "strips");
  stripRow.append(...strips.map((s) => s.node));
  root.append(hoverLine, stripRow);

  // The vector is PyTorch's C×H×W flattening; a course may number the same units H×W×C.
  const hwc = ctx.state.order === "hwc" && step.top.some((c) => c.hwc_index !== null && c.hwc_index !== undefined);
  if (step.source_shape) {
    const [c, h, w] = step.source_shape;
    root.append(el("p", "hint flatten-order", {}, hwc
      ? `Units numbered H×W×C (Keras): j = (y·W + x)·C + c with C = ${c}, W = ${w}; PyTorch flattened them C×H×W: i = c·H·W + y·W + x (H = ${h}). The strips keep PyTorch's order.`
      : `Units numbered C×H×W, as PyTorch flattens: i = c·H·W + y·W + x with H = ${h}, W = ${w}; H×W×C order (Keras) numbers the same unit j = (y·W + x)·C + c (C = ${c}).`));
  }
  const table = el("table", "contributions");
  table.append(el("caption", "", {}, `largest contributions (${step.top.length} of ${step.inputs.length})`));
  const head = el("tr");
  for (const h of [hwc ? "unit (H×W×C)" : "unit", "source (c, y, x)", "input", "weight", "product"]) head.append(el("th", "", { scope: "col" }, h));
  table.append(head);
  for (const c of step.top) {
    const tr = el("tr", "contribution", { tabindex: "0" });
    tr.append(el("td", "", {}, String(hwc ? c.hwc_index : c.input_index)), el("td", "", {}, c.source ? c.source.join(", ") : "–"));
    for (const v of [c.input, c.weight, c.product]) {
      const td = el("td");
      td.append(num(v, "num", formatValue)); // products of small weights vanish at 2 decimals
      tr.append(td);
    }
    tr.addEventListener("mouseenter", () => hover(c.input_index));
    tr.addEventListener("focus", () => hover(c.input_index));
    table.append(tr);
  }
  const total = el("div", "dnumbers");
  const line = el("p", "dworked");
  line.append(`Σ of ${step.inputs.length} products`);
  if (step.bias !== null) line.append(" + bias ", num(step.bias, "num bias"));
  line.append(" = ", num(step.computed, "num computed"));
  const traced = el("p", "dworked");
  traced.append("traced output ", num(step.output, "num step-output"));
  total.append(el("p", "dformula", {}, step.formula), line, traced);
  total.dataset.position = String(index);
  const lower = el("div", "drow");
  lower.append(table, total);
  root.append(lower);
  if (step.label !== null) {
    const next = el("button", "to-softmax", { type: "button" }, `Next: softmax turns the ${ctx.model.classes.length} class scores into probabilities →`);
    next.addEventListener("click", () => ctx.navigate({ view: "softmax" }));
    root.append(next);
  }
  return {};
}
