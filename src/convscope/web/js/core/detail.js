// Pure helpers of the detail views: which view explains a layer, where a view
// steps back to, positions and channel paging (the sweep's order is core/player.js). No DOM, no fetch;
// every number shown comes from the server's explanation.

/** The view that explains `layer`, as the server decided it (layer.view), or null when none does. */
export function viewForLayer(layer) {
  return (layer && layer.view) || null;
}

/** Views one level above each view: Esc goes there. */
const PARENT = { formula: "detail", softmax: "detail", detail: "overview", explorer: "overview", topk: "detail", why: "overview" };

/**
 * The state patch Esc applies, or null when the overview has nothing to step back from.
 * Example: backFrom({view: "formula", input: 2}) -> {view: "detail", input: null}
 */
export function backFrom(state) {
  const parent = PARENT[state.view];
  if (!parent) return null;
  if (state.view === "softmax" && state.layer === "") return { view: "overview" };
  // Leaving "Why this class?" drops its class and method; Grad-CAM's layer stays the selected one.
  if (state.view === "why") return { view: "overview", channel: null, y: null, x: null, input: null, class: null, method: "" };
  return parent === "overview" ? { view: "overview", channel: null, y: null, x: null, input: null } : { view: parent, input: null };
}

/**
 * Query parameters of the value a state points at: {channel, y, x} on (C, H, W) layers,
 * {index} on (F,) layers (the URL keeps a unit index in `channel`). Missing coordinates are 0.
 */
export function positionOf(shape, state) {
  if (shape.length === 3) return { channel: state.channel ?? 0, y: state.y ?? 0, x: state.x ?? 0 };
  return { index: state.channel ?? 0 };
}

/** Two decimals for display; the full value goes in a title attribute. */
export function fixed2(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  const text = Math.abs(v) >= 1e5 ? v.toExponential(2) : v.toFixed(2);
  return text === "-0.00" ? "0.00" : text.replace("-", "−");
}

/** Full precision text for hover. */
export function fullText(v) {
  return v === null || v === undefined ? "–" : String(v);
}

// Channel paging is shared with the overview; the detail views keep importing it from here.
export { pageOf } from "./paging.js";

/** The (row, col) cell of index i in a vector wrapped `width` cells per row. */
export function wrapCell(i, width) {
  return { row: Math.floor(i / width), col: i % width };
}

/** Inverse of wrapCell: the vector index under (row, col), or null past the end. */
export function wrapIndex(row, col, width, length) {
  const i = row * width + col;
  return col < width && i >= 0 && i < length ? i : null;
}

/**
 * The box a window's taps cover on a map, in cells of the map: {top, left, height, width},
 * given the taps' rows and columns (outside the map is padding and clipped away).
 */
export function tapBox(rows, cols, height, width) {
  const top = Math.max(0, Math.min(...rows));
  const left = Math.max(0, Math.min(...cols));
  const bottom = Math.min(height - 1, Math.max(...rows));
  const right = Math.min(width - 1, Math.max(...cols));
  if (bottom < top || right < left) return null; // the window lies in the padding only
  return { top, left, height: bottom - top + 1, width: right - left + 1 };
}
