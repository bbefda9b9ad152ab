// The attribution map drawn over its input image (opacity control, colour legend, the raw value
// under the pointer), with the trust checks beside it. Takes its container and data; never fetches.
import { cellAt, colourOf, fmt, legendTicks, legendValue } from "../core/insight.js";
import { el } from "./dom.js";
import { drawGrid } from "./insight.js";

const SIZE = 280; // about this many pixels across, whatever the input's size
const HOVER_HINT = "Point at the map (or focus it and use the arrow keys) for its value.";

function fact(list, name, value, key) {
  const row = el("div", "insight-fact");
  row.append(el("dt", "", {}, name), el("dd", "", { "data-key": key }, value));
  list.append(row);
}

/** A bar of the map's colour scale with its labels: blue −s · white 0 · red +s, or white low · red high. */
function legend(low, high, signed) {
  const wrap = el("div", "insight-legend", { role: "img", "aria-label": `colour scale ${fmt(low)} to ${fmt(high)}` });
  const bar = el("canvas", "insight-legend-bar", { width: 128, height: 1 });
  const ctx = bar.getContext("2d");
  const image = ctx.createImageData(128, 1);
  for (let i = 0; i < 128; i += 1) image.data.set([...colourOf(legendValue(i / 127, low, high, signed), low, high, signed), 255], 4 * i);
  ctx.putImageData(image, 0, 0);
  const labels = el("div", "insight-legend-labels");
  for (const tick of legendTicks(low, high, signed)) {
    const label = el("span", "", {}, fmt(tick.value));
    label.style.left = `${tick.at * 100}%`;
    labels.append(label);
  }
  wrap.append(bar, labels);
  return wrap;
}

/** The image with the map over it; pointing at a cell shows map[y][x] in `readout`. */
function overlay(data, imageUrl, opacity, readout) {
  const { map, range: [low, high], signed } = data;
  const rows = map.length;
  const cols = map[0].length;
  const heat = drawGrid(map, { low, high, signed, size: SIZE });
  heat.classList.add("insight-heat");
  heat.style.opacity = String(opacity);
  const base = el("img", "insight-base", { src: imageUrl, alt: "the input image" });
  base.style.width = heat.style.width;
  base.style.height = heat.style.height;
  const stack = el("div", "insight-overlay");
  stack.append(base, heat);
  const show = (cell) => {
    readout.dataset.y = String(cell.y);
    readout.dataset.x = String(cell.x);
    readout.textContent = `row ${cell.y}, column ${cell.x}: ${fmt(map[cell.y][cell.x])}`;
  };
  let at = { y: 0, x: 0 }; // the keyboard's cell
  heat.addEventListener("mousemove", (event) => {
    const cell = cellAt(event.offsetX, event.offsetY, heat.clientWidth, heat.clientHeight, rows, cols);
    if (cell) show(cell);
  });
  heat.addEventListener("mouseleave", () => {
    delete readout.dataset.y;
    delete readout.dataset.x;
    readout.textContent = HOVER_HINT;
  });
  // Keyboard: focus the map, then the arrow keys move from cell to cell.
  heat.tabIndex = 0;
  heat.setAttribute("aria-label", "attribution map: arrow keys read its values");
  heat.addEventListener("focus", () => show(at));
  heat.addEventListener("keydown", (event) => {
    const step = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[event.key];
    if (!step) return;
    event.preventDefault();
    at = { y: Math.max(0, Math.min(rows - 1, at.y + step[0])), x: Math.max(0, Math.min(cols - 1, at.x + step[1])) };
    show(at);
  });
  return { stack, heat };
}

/** The opacity slider; moving it changes the map's opacity and tells the app (it keeps the choice). */
function opacityControl(heat, opacity, onOpacity) {
  const label = el("label", "insight-opacity", {}, "Map opacity ");
  const slider = el("input", "", { type: "range", min: "0", max: "100", step: "5", value: String(Math.round(opacity * 100)), id: "insight-opacity" });
  slider.addEventListener("input", () => {
    const value = Number(slider.value) / 100;
    heat.style.opacity = String(value);
    onOpacity(value);
  });
  label.append(slider);
  return label;
}

function trustFacts(data) {
  const facts = el("dl", "insight-trust", { "aria-label": "How far the map can be trusted" });
  const s = data.sanity;
  fact(facts, "Sanity check: rank correlation with randomised weights", fmt(s.correlation), "sanity");
  if (s.flagged) facts.append(el("p", "insight-flag", { role: "alert" }, "does not depend on the learned weights"));
  const f = data.faithfulness;
  fact(facts, "Deletion area (lower is better)", fmt(f.deletion_area), "deletion");
  fact(facts, "… random order", fmt(f.random_deletion_area), "random-deletion");
  fact(facts, "Insertion area (higher is better)", fmt(f.insertion_area), "insertion");
  fact(facts, "… random order", fmt(f.random_insertion_area), "random-insertion");
  if (data.completeness) {
    const c = data.completeness;
    fact(facts, "Completeness: Σ attributions", fmt(c.sum), "sum");
    fact(facts, "f(x) − f(baseline)", fmt(c.difference), "difference");
    fact(facts, "error", fmt(c.error), "error");
  }
  return facts;
}

/**
 * The map over the input image and, beside it, the sanity check, deletion/insertion areas and (IG) completeness.
 * options: {imageUrl (the image as the network sees it), opacity (0…1), onOpacity(value)}.
 */
export function renderAttribution(container, data, { imageUrl, opacity = 0.5, onOpacity = () => {} }) {
  container.replaceChildren();
  const [low, high] = data.range;
  const readout = el("p", "insight-hover", { "data-key": "hover", "aria-live": "polite" }, HOVER_HINT);
  const { stack, heat } = overlay(data, imageUrl, opacity, readout);
  const figure = el("figure", "insight-map");
  figure.append(stack, el("figcaption", "", {}, `${data.method} for “${data.class_name}” (p = ${fmt(data.probability)})` +
    (data.layer ? ` at ${data.layer}` : "") + ` · range ${fmt(low)} … ${fmt(high)}`));
  figure.append(legend(low, high, data.signed), opacityControl(heat, opacity, onOpacity), readout);
  container.append(figure, trustFacts(data));
}
