// The overview's headers: one button per column (its layer's name, abbreviated to
// its box, the full name in title and accessible name), a fold chip on a column
// that compact mode folds BatchNorm / activation columns into, and one button per
// block that collapses it to its output column or opens it.
import { shapeText } from "../core/format.js";
import { abbreviate, shortName } from "../core/labels.js";
import { el, place } from "./dom.js";

const CHIP = 18;
let measurer = null;

/** A text-width test for `node`'s font: fits(text) is true when text fits in `width` pixels. */
function fitter(node, width) {
  measurer ??= document.createElement("canvas").getContext("2d");
  measurer.font = getComputedStyle(node).font;
  return (text) => measurer.measureText(text).width <= width;
}

/** Fill a header's name span with the longest form of `text` that fits the span. */
function fitName(span, text, width) {
  span.textContent = abbreviate(text, fitter(span, width));
}

/**
 * A column's header button inside `stage` at `placed.label`; returns the button.
 * col: an overview column (core/layout.js); layer: its model layer; opts: {details, y, onSelect, onFold}.
 */
export function columnHeader(stage, col, placed, layer, { details, order = "chw", y, onFold }) {
  const label = el("button", "layer-label", { type: "button", "aria-pressed": "false" });
  label.dataset.layer = col.name;
  const title = col.type === "classes" ? "classes" : col.name;
  const name = el("span", "layer-name", {}, title);
  label.append(name);
  if (details) label.append(el("span", "layer-kind", {}, layer.kind), el("span", "layer-shape", {}, shapeText(col.type === "classes" ? [col.total] : col.shape, order)));
  const chip = col.folded && col.folded.length ? CHIP + 2 : 0;
  const narrow = placed.label.w - chip < 84;
  // A narrow header has no room for the caption; its title says it instead.
  if (col.pages > 1 && !narrow) label.append(el("span", "layer-more", {}, "most active first"));
  label.title = `${col.name} · ${layer.kind} · ${shapeText(layer.output_shape, order)}${col.pages > 1 ? " · most active channels first" : ""}`;
  const h = details ? 54 : 26;
  place(label, { x: placed.label.x, y, w: placed.label.w - chip, h });
  stage.append(label);
  const shown = col.type === "classes" ? title : shortName(col.name, col.block);
  if (shown !== title || narrow) {
    label.setAttribute("aria-label", col.name);
    fitName(name, shown, placed.label.w - chip - 6);
  }
  if (chip) stage.append(foldChip(col, { x: placed.label.x + placed.label.w - CHIP, y: y + 4, w: CHIP, h: 18 }, onFold));
  return label;
}

/** The chip that shows or hides the columns folded into `col` (their maps one click away). */
function foldChip(col, box, onFold) {
  const names = col.folded.join(", ");
  const words = col.unfolded ? `Fold ${names} into ${col.name}` : `Show ${names} (folded into ${col.name})`;
  const chip = el("button", "fold-chip", { type: "button", "aria-expanded": String(col.unfolded), "aria-label": words, title: words }, col.unfolded ? "−" : `+${col.folded.length}`);
  chip.dataset.fold = col.name;
  chip.addEventListener("click", () => onFold(col.name));
  return place(chip, box);
}

/** A block's header over its columns' headers: click collapses or opens it; hover and focus call onHover(span | null). */
export function blockHeader(stage, span, block, { y, onToggle, onHover }) {
  const open = !span.collapsed;
  const words = open ? `${block.name} (${block.kind}): collapse to its output ${block.output}` : `${block.name} (${block.kind}, ${block.layers.length} layers): open`;
  const button = el("button", open ? "block-label open" : "block-label", { type: "button", "aria-expanded": String(open), "aria-label": words, title: words });
  button.dataset.block = block.name;
  const name = el("span", "block-name");
  button.append(el("span", "block-mark", { "aria-hidden": "true" }, open ? "▾" : "▸"), name);
  place(button, { x: span.x, y, w: span.w, h: 20 });
  stage.append(button);
  fitName(name, block.name, span.w - 20);
  button.addEventListener("click", () => onToggle(block.name));
  for (const [event, value] of [["mouseenter", span], ["focus", span], ["mouseleave", null], ["blur", null]]) button.addEventListener(event, () => onHover(value));
  return button;
}
