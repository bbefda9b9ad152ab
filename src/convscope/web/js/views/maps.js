// Feature maps as canvases at the map's own resolution, scaled up by CSS
// with nearest-neighbour sampling, so every pixel of the map stays visible.
import { paint } from "../core/colour.js";
import { el, place } from "./dom.js";

/** A canvas for one map (or a vector drawn as a column of cells). */
export function mapCanvas(column, map) {
  const canvas = el("canvas", `map map-${column.type}`);
  canvas.dataset.layer = column.name;
  canvas.dataset.channel = String(map.channel);
  return place(canvas, map);
}

/** Paint `values` (H*W floats, or F for a vector) into `canvas` with `domain`. */
export function paintMap(canvas, values, height, width, domain) {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const context = canvas.getContext("2d");
  const image = context.createImageData(width, height);
  paint(values, domain, image.data);
  context.putImageData(image, 0, 0);
}

/** The (y, x) cell of a map under a mouse event; `height` × `width` cells (the canvas's own by default, the traced map's for a reduced one). */
export function cellAt(event, canvas, height = canvas.height, width = canvas.width) {
  const box = canvas.getBoundingClientRect();
  const x = Math.floor(((event.clientX - box.left) / box.width) * width);
  const y = Math.floor(((event.clientY - box.top) / box.height) * height);
  return { y: Math.max(0, Math.min(height - 1, y)), x: Math.max(0, Math.min(width - 1, x)) };
}
