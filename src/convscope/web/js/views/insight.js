// The insight page's views: a layer's filters, classic kernels, and the grid drawing they share with the
// attribution overlay (views/attribution.js).
// Each takes its container and its data; none fetches.

import { colourOf, fmt } from "../core/insight.js";

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

/** A grid of values drawn on a canvas, one cell per value, enlarged to about `size` pixels. */
export function drawGrid(grid, { low, high, signed, size = 196 }) {
  const rows = grid.length;
  const cols = grid[0].length;
  const canvas = el("canvas", { width: cols, height: rows, class: "insight-grid" });
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(cols, rows);
  for (let y = 0; y < rows; y += 1) {
    for (let x = 0; x < cols; x += 1) {
      const [r, g, b] = colourOf(grid[y][x], low, high, signed);
      const i = 4 * (y * cols + x);
      image.data.set([r, g, b, 255], i);
    }
  }
  ctx.putImageData(image, 0, 0);
  return enlarge(canvas, size);
}

/** Show a canvas of cells enlarged by a whole factor to about `size` pixels across (crisp cells). */
export function enlarge(canvas, size) {
  const scale = Math.max(1, Math.floor(size / Math.max(canvas.width, canvas.height)));
  canvas.style.width = `${canvas.width * scale}px`;
  canvas.style.height = `${canvas.height * scale}px`;
  return canvas;
}

/** One row per filter (in the server's order): a cell per input channel, the composite, norm and resemblance. */
export function renderFilters(container, data) {
  container.replaceChildren();
  const range = data.range;
  container.append(el("p", { class: "insight-caption" },
    `${data.layer}: ${data.shape[0]} filters of ${data.shape.slice(1).join("×")}; blue −${fmt(range)} · white 0 · red +${fmt(range)}`));
  const like = new Map(data.resembles.map((r) => [r.filter, r]));
  const list = el("ol", { class: "insight-filters" });
  data.filters.slice(0, 64).forEach((item, row) => {
    const entry = el("li", { "data-filter": String(item.filter) });
    item.weights.slice(0, 16).forEach((channel) => entry.append(drawGrid(channel, { low: -range, high: range, signed: true, size: 36 })));
    if (data.composite) entry.append(compositeCanvas(data.composite[row]));
    const r = like.get(item.filter);
    entry.append(el("span", { class: "insight-norm" }, `#${item.filter} · norm ${fmt(item.norm)}` + (r ? ` · like ${r.cosine < 0 ? `${r.kernel} turned negative` : r.kernel} (cos ${fmt(r.cosine)})` : "")));
    list.append(entry);
  });
  container.append(list);
}

function compositeCanvas(grid) {
  const rows = grid.length;
  const cols = grid[0].length;
  const canvas = el("canvas", { width: cols, height: rows, class: "insight-grid insight-composite" });
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(cols, rows);
  grid.forEach((line, y) => line.forEach((rgb, x) => image.data.set([...rgb.map((v) => Math.round(v * 255)), 255], 4 * (y * cols + x))));
  ctx.putImageData(image, 0, 0);
  canvas.style.width = `${cols * 12}px`;
  canvas.style.height = `${rows * 12}px`;
  return canvas;
}

/** Each classic kernel beside its output on the image. */
export function renderKernels(container, data) {
  container.replaceChildren();
  const list = el("div", { class: "insight-kernels" });
  for (const item of data.outputs) {
    const figure = el("figure", { "data-kernel": item.name });
    if (item.kernel) {
      figure.append(el("pre", { class: "insight-kernel" }, item.kernel.weights.map((row) => row.join(" ")).join("\n") +
        (item.kernel.divisor !== 1 ? `\n÷ ${item.kernel.divisor}` : "")));
    }
    const [low, high] = item.range;
    figure.append(drawGrid(item.output, { low, high, signed: low < 0, size: 112 }));
    figure.append(el("figcaption", {}, `${item.name} · ${fmt(low)} … ${fmt(high)}`));
    list.append(figure);
  }
  container.append(list);
}
