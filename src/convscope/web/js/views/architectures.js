// The architectures page's drawing: the comparison table, one card per model (paper, idea,
// parameter split, shape-flow strip, per-layer log bars) and the overlay of two models.
import { flowColumns, logLength, overlaySeries, parameterSplit } from "../core/architectures.js";
import { count } from "../core/structure.js";

const SVG = "http://www.w3.org/2000/svg";

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) node.append(c);
  return node;
}

function s(name, attrs = {}, parent = null, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

export const TABLE_KEYS = [
  ["year", "year", (f) => f.year ?? ""],
  ["input", "input", (f) => f.input_shape.join("×")],
  ["layers", "layers", (f) => count(f.layers.length)],
  ["params", "parameters", (f) => count(f.params)],
  ["conv_params", "conv parameters", (f) => count(f.conv_params)],
  ["dense_params", "dense parameters", (f) => count(f.dense_params)],
  ["other_params", "other parameters", (f) => count(f.other_params)],
  ["mults", "multiplications", (f) => count(f.mults)],
];

/** The side-by-side table: one row per model. */
export function renderTable(root, models) {
  const head = h("tr", {}, h("th", {}, "model"), ...TABLE_KEYS.map(([, label]) => h("th", {}, label)));
  const rows = models.map((f) => h("tr", { "data-model": f.model }, h("td", {}, f.model), ...TABLE_KEYS.map(([key, , value]) => h("td", { "data-key": key }, String(value(f))))));
  root.replaceChildren(h("table", { class: "arch-table" }, head, ...rows));
}

/** Shape flow (H above the axis, C below, log scale) and per-layer params / mults bars for one model. */
function chart(facts, scale) {
  const cols = flowColumns(facts);
  const width = 460;
  const step = width / cols.length;
  const svg = s("svg", { class: "arch-chart", viewBox: `0 0 ${width} 190`, role: "img", "aria-label": `${facts.model}: shape flow and counts per layer` });
  s("text", { x: 0, y: 10 }, svg, "H (spatial size) ↑ · C (channels) ↓");
  cols.forEach((c, i) => {
    const x = i * step;
    const hh = logLength(c.size, scale.size, 36);
    const ch = logLength(c.channels, scale.channels, 36);
    s("rect", { x, y: 52 - hh, width: Math.max(1, step - 1), height: hh, fill: "#5d9b73", "data-layer": c.name }, svg).appendChild(s("title", {}, null, `${c.name}: ${c.kind}, H ${c.size}, C ${c.channels}`));
    s("rect", { x, y: 54, width: Math.max(1, step - 1), height: ch, fill: "#8a79b8" }, svg);
    const ph = logLength(c.params, scale.params, 40);
    const mh = logLength(c.mults, scale.mults, 40);
    s("rect", { class: "bar-params", x, y: 140 - ph, width: Math.max(1, step / 2 - 0.5), height: ph }, svg).appendChild(s("title", {}, null, `${c.name}: ${count(c.params)} parameters`));
    s("rect", { class: "bar-mults", x: x + step / 2, y: 140 - mh, width: Math.max(1, step / 2 - 0.5), height: mh }, svg).appendChild(s("title", {}, null, `${c.name}: ${count(c.mults)} multiplications`));
  });
  s("text", { x: 0, y: 160 }, svg, "per layer, log scale: parameters (orange) · multiplications (blue)");
  s("text", { x: 0, y: 176 }, svg, `largest layer: ${count(Math.max(...cols.map((c) => c.params)))} parameters, ${count(Math.max(...cols.map((c) => c.mults)))} multiplications`);
  return svg;
}

/** One card per model: paper, idea (the library's numbers), parameter split, chart. */
export function renderCards(root, models) {
  // One scale for every card, so the bars compare across models.
  const all = models.flatMap((f) => flowColumns(f));
  const scale = {
    size: Math.max(...all.map((c) => c.size)),
    channels: Math.max(...all.map((c) => c.channels)),
    params: Math.max(...all.map((c) => c.params)),
    mults: Math.max(...all.map((c) => c.mults)),
  };
  root.replaceChildren(
    ...models.map((f) => {
      const split = parameterSplit(f);
      const bar = h(
        "div",
        { class: "split-bar", role: "img", "aria-label": `conv ${split.conv.toFixed(1)}%, dense ${split.dense.toFixed(1)}%, other ${split.rest.toFixed(1)}%` },
        h("span", { class: "split-conv" }),
        h("span", { class: "split-dense" }),
        h("span", { class: "split-other" }),
      );
      // Widths via the style property (the CSP allows no inline style attributes).
      [split.conv, split.dense, split.rest].forEach((pct, i) => (bar.children[i].style.width = `${pct}%`));
      return h(
        "article",
        { class: "arch-card", "data-model": f.model },
        h("h3", {}, `${f.model}${f.year ? ` (${f.year})` : ""}`),
        h("p", { class: "arch-paper" }, f.paper ?? "an imported or custom model"),
        ...(f.idea ? [h("p", { class: "arch-idea" }, f.idea)] : []),
        h("p", { class: "arch-split" }, `parameters: conv ${count(f.conv_params)} · dense ${count(f.dense_params)} · other ${count(f.other_params)}`),
        bar,
        chart(f, scale),
        h("p", {}, h("a", { href: `structure?model=${encodeURIComponent(f.model)}` }, "its structure"), " (when the server serves it)"),
      );
    }),
  );
}

/** Two models' per-layer counts on the same log axes: A solid, B dashed. */
export function renderOverlay(root, a, b) {
  const width = 900;
  const height = 220;
  const svg = s("svg", { class: "arch-chart overlay", viewBox: `0 0 ${width} ${height + 30}`, role: "img", "aria-label": `${a.model} and ${b.model} overlaid` });
  const top = Math.max(...[...a.layers, ...b.layers].map((l) => Math.max(l.params, l.mults)));
  for (const [key, colour] of [["mults", "#3563b3"], ["params", "#d0562c"]]) {
    overlaySeries(a, b, key).forEach((series, i) => {
      const points = series.map((p) => `${(p.x * (width - 20) + 10).toFixed(1)},${(height - logLength(p.y, top, height - 10)).toFixed(1)}`).join(" ");
      s("polyline", { points, fill: "none", stroke: colour, "stroke-width": 2, "stroke-dasharray": i ? "6 4" : "", class: `series series-${key} ${i ? "overlay-b" : "overlay-a"}`, "data-model": i ? b.model : a.model }, svg);
    });
  }
  s("text", { x: 10, y: height + 22 }, svg, `${a.model} solid, ${b.model} dashed; blue: multiplications, orange: parameters per conv and dense layer (log scale), from input to output`);
  root.replaceChildren(svg);
}
