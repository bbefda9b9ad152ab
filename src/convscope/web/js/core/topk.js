// "What excites this channel": the DOM-free parts. URLs, how a patch and its padding are laid
// out in its receptive-field box, and the words around the numbers. Every number comes from
// the server's payload; nothing here recomputes a box or a value.

import { formatCount } from "./format.js";

const enc = encodeURIComponent;

/** The offer of a model: layers with top-k patches, datasets, k's range. */
export function offerUrl(model) {
  return `api/models/${enc(model)}/insight/topk`;
}

/** The patches of one channel; `data` null asks for the model's default dataset. */
export function patchesUrl(model, layer, { channel = 0, k = null, data = null } = {}) {
  const params = new URLSearchParams({ channel: String(channel) });
  if (k !== null) params.set("k", String(k));
  if (data) params.set("data", data);
  return `${offerUrl(model)}/${enc(layer)}?${params}`;
}

/** The Insight page's feature visualisation of the same channel. */
export function visualiseUrl(model, layer, channel) {
  const params = new URLSearchParams({ model, layer, channel: String(channel) });
  return `insight?${params}#visualize`;
}

/** True when the offer has patches for `layer` (the server decides which layers have maps). */
export function offersLayer(offer, layer) {
  return Boolean(offer && layer && offer.layers.includes(layer));
}

/** Milliseconds before asking again: soon at first (stored results open in a moment), then every second. */
export function pollDelay(attempt) {
  return attempt < 2 ? 250 : 1000;
}

/**
 * Where a patch goes in its box, in CSS pixels: the whole box is `size` pixels on its longer side
 * (whole pixels per input pixel, at least one); the image sits inside after the padding rows and columns.
 * Example: box [-2, -2, 3, 3], padding [2, 2, 0, 0], size 100 -> {scale: 20, width: 100, height: 100, image: {left: 40, top: 40, width: 60, height: 60}}
 */
export function patchLayout(entry, size) {
  const [top, left, bottom, right] = entry.box;
  const rows = bottom - top;
  const cols = right - left;
  const scale = Math.max(1, Math.floor(size / Math.max(rows, cols)));
  const [padTop, padLeft, padBottom, padRight] = entry.padding;
  return {
    scale,
    width: cols * scale,
    height: rows * scale,
    image: { left: padLeft * scale, top: padTop * scale, width: (cols - padLeft - padRight) * scale, height: (rows - padTop - padBottom) * scale },
  };
}

/** "rows 16–25, columns 14–23" (the box's bottom and right are exclusive; outside the image is padding). */
export function boxText(box) {
  const [top, left, bottom, right] = box;
  return `rows ${top}–${bottom - 1}, columns ${left}–${right - 1}`;
}

/** "2 rows above, 2 columns left are padding", or "" when the box lies inside the image. */
export function paddingText(padding) {
  const sides = [
    [padding[0], "row", "above"],
    [padding[1], "column", "left"],
    [padding[2], "row", "below"],
    [padding[3], "column", "right"],
  ].filter(([n]) => n > 0);
  if (!sides.length) return "";
  return `${sides.map(([n, what, where]) => `${n} ${what}${n > 1 ? "s" : ""} ${where}`).join(", ")} ${sides.length > 1 || sides[0][0] > 1 ? "are" : "is"} padding`;
}

/** "dataset image #9162 (Ankle boot)" or "sample koala_1". */
export function sourceText(entry) {
  const name = entry.id ? `sample ${entry.id}` : `dataset image #${entry.index}`;
  return entry.label && entry.label !== entry.id ? `${name} (${entry.label})` : name;
}

const STAGES = { queued: "Waiting for another pass to finish", loading: "Reading", running: "Looking through" };

/** The progress line while a pass runs, e.g. "Looking through the Fashion-MNIST test split: 4,500 of 10,000 images". */
export function progressText(progress) {
  const stage = STAGES[progress.status] ?? "Working on";
  const where = progress.status === "queued" ? "" : ` ${progress.dataset.name}`;
  const count = progress.total ? `: ${formatCount(progress.done)} of ${formatCount(progress.total)} images` : "";
  return `${stage}${where}${progress.status === "queued" ? "" : count}`;
}

/** The fraction done (0..1) for a progress bar, or null while the size is not known. */
export function progressFraction(progress) {
  return progress.total ? Math.min(1, progress.done / progress.total) : null;
}

/** The caption above the grid, e.g. "The 9 of 10,000 images in the Fashion-MNIST test split that excite channel 3 of conv_2_1 most, best first". */
export function headline(data) {
  const verb = data.k === 1 ? "excites" : "excite";
  return `The ${data.k} of ${formatCount(data.dataset.size)} images in ${data.dataset.name} that ${verb} channel ${data.channel} of ${data.layer} most, best first`;
}

/**
 * The patch's place in its whole image, in percent of the image: the clipped box (the part inside it).
 * Example: clipped [16, 14, 26, 24] of a 28×28 image -> {left: 50, top: 57.14…, width: 35.71…, height: 35.71…}
 */
export function contextBox(entry, input) {
  const [top, left, bottom, right] = entry.clipped;
  const [h, w] = input;
  return { left: (100 * left) / w, top: (100 * top) / h, width: (100 * (right - left)) / w, height: (100 * (bottom - top)) / h };
}
