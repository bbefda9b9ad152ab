// One image's activation maps as the model is now: a compact overview, one row per
// layer with spatial output, its first channels at their real size (drawn as the
// explainer draws maps, views/maps.js), redrawn when a new maps event arrives.
import { mapsOverview } from "../core/trainlog.js";
import { paintMap } from "./maps.js";
import { el } from "./dom.js";

/** A map is drawn about this many CSS pixels wide, each cell at most MAX_ZOOM pixels. */
const SIDE = 40;
const MAX_ZOOM = 4;

/** event: the latest maps event; classes: the run's class names. Returns a figure. */
export function mapsFigure(event, classes) {
  const box = el("figure", "chart", { id: "live-maps", "data-step": String(event.step) });
  const what = event.label === null || event.label === undefined ? "The same image" : `The same ${classes[event.label]} image`;
  box.append(el("figcaption", "chart-title", {}, `${what} inside the model at step ${event.step}: the first channels of each layer's maps (colour per layer: blue negative, red positive)`));
  const grid = el("div", "maps-rows");
  for (const layer of mapsOverview(event)) {
    const row = el("div", "maps-row", { "data-layer": layer.name });
    const [c, h, w] = layer.shape;
    row.append(el("span", "maps-label", {}, `${layer.name} ${c}×${h}×${w}`));
    const zoom = Math.max(1, Math.min(MAX_ZOOM, Math.ceil(SIDE / Math.max(h, w))));
    layer.maps.forEach((values, k) => {
      const canvas = el("canvas", "live-map", { title: `${layer.name} channel ${k} (${layer.domain.lo.toFixed(3)} … ${layer.domain.hi.toFixed(3)})` });
      canvas.dataset.channel = String(k);
      paintMap(canvas, values, h, w, layer.domain);
      canvas.style.width = `${w * zoom}px`; // CSSOM: the page's CSP forbids style attributes
      canvas.style.height = `${h * zoom}px`;
      row.append(canvas);
    });
    grid.append(row);
  }
  box.append(grid);
  return box;
}
