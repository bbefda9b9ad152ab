// A grid of cells drawn on one canvas, so an input of 227 (plus padding) costs one
// element, not 50,000: padding shaded, lit cells (a window's taps) filled, one cell
// marked as current, grid lines only while the cells are big enough to show them.
import { el } from "./dom.js";

const COLOURS = { cell: "#ffffff", pad: "#e4e6ea", line: "#d5d9e0", tap: "#1f6feb", current: "#c8102e", box: "#111111" };

/**
 * rows×cols cells of `px` pixels each, `pad` {top, bottom, left, right} shaded as padding.
 * Returns {node (the canvas), light(cells: [[r, c]], box: {top, left, height, width} | null), current(r, c), cellAt(event)}.
 */
export function cellCanvas(rows, cols, px, pad, className) {
  const line = px >= 6 ? 1 : 0;
  const step = px + line;
  const canvas = el("canvas", `cell-grid ${className}`, { role: "img" });
  canvas.width = cols * step + line;
  canvas.height = rows * step + line;
  Object.assign(canvas.dataset, { rows: String(rows), cols: String(cols) });
  const context = canvas.getContext("2d");
  const isPad = (r, c) => pad && (r < pad.top || r >= rows - pad.bottom || c < pad.left || c >= cols - pad.right);
  const fill = (r, c, colour) => {
    context.fillStyle = colour;
    context.fillRect(c * step + line, r * step + line, px, px);
  };
  function base() {
    context.fillStyle = line ? COLOURS.line : COLOURS.cell;
    context.fillRect(0, 0, canvas.width, canvas.height);
    for (let r = 0; r < rows; r += 1) for (let c = 0; c < cols; c += 1) if (line || isPad(r, c)) fill(r, c, isPad(r, c) ? COLOURS.pad : COLOURS.cell);
  }
  base();
  return {
    node: canvas,
    light(cells, box = null) {
      base();
      for (const [r, c] of cells) if (r >= 0 && r < rows && c >= 0 && c < cols) fill(r, c, COLOURS.tap);
      if (box) {
        // The window's outline: at 1-2 pixels a cell the taps alone are hard to see.
        context.strokeStyle = COLOURS.box;
        context.lineWidth = 1;
        context.strokeRect(box.left * step + 0.5, box.top * step + 0.5, box.width * step + line, box.height * step + line);
      }
    },
    current(r, c) {
      base();
      fill(r, c, COLOURS.current);
    },
    cellAt(event) {
      const b = canvas.getBoundingClientRect();
      const c = Math.floor(((event.clientX - b.left) / b.width) * cols);
      const r = Math.floor(((event.clientY - b.top) / b.height) * rows);
      return [Math.max(0, Math.min(rows - 1, r)), Math.max(0, Math.min(cols - 1, c))];
    },
  };
}
