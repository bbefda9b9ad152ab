// "What excites this channel": the k dataset patches in a grid, each with its activation value,
// dataset index and receptive-field box, the padding part drawn as padding; and the pass's
// progress while it runs. Render functions only: the data comes through the arguments.
import { fixed2, fullText } from "../core/detail.js";
import { boxText, contextBox, headline, paddingText, patchLayout, progressFraction, progressText, sourceText, visualiseUrl } from "../core/topk.js";
import { el } from "./dom.js";

/** CSS pixels of a patch's box on its longer side, and of the whole image beside it. */
const PATCH_SIZE = 112;
const CONTEXT_SIZE = 56;

/** The dataset picker: `offer.datasets`, `chosen` selected; onData(id) on a change. */
export function renderDatasetPicker(container, offer, chosen, onData) {
  container.replaceChildren();
  if (!offer.datasets.length) return;
  const label = el("label", "topk-data-label", {}, "Dataset ");
  const select = el("select", "topk-data", { "aria-label": "Dataset to look through" });
  for (const dataset of offer.datasets) {
    const option = el("option", "", { value: dataset.id }, dataset.size ? `${dataset.name} (${dataset.size})` : dataset.name);
    option.selected = dataset.id === chosen;
    select.append(option);
  }
  select.addEventListener("change", () => onData(select.value));
  label.append(select);
  container.append(label);
}

/** A progress bar and the words of where the pass stands. */
export function renderProgress(container, progress) {
  container.replaceChildren();
  const box = el("div", "topk-progress", { role: "status", "aria-live": "polite" });
  const bar = el("progress", "topk-bar", { max: "1" });
  const fraction = progressFraction(progress);
  if (fraction !== null) bar.value = fraction; // no value: an indeterminate bar while the size is unknown
  box.append(el("p", "topk-progress-text", {}, progressText(progress)), bar);
  container.append(box);
}

/** The whole image, small, with the part of the box inside it outlined. */
function contextFigure(entry, input) {
  const frame = el("div", "topk-context", { title: "where the patch lies in its image" });
  const [h, w] = input;
  const scale = CONTEXT_SIZE / Math.max(h, w);
  Object.assign(frame.style, { width: `${Math.round(w * scale)}px`, height: `${Math.round(h * scale)}px` });
  const image = el("img", "topk-context-image", { src: entry.image, alt: `the whole ${sourceText(entry)}` });
  const outline = el("div", "topk-context-box");
  const box = contextBox(entry, input);
  Object.assign(outline.style, { left: `${box.left}%`, top: `${box.top}%`, width: `${box.width}%`, height: `${box.height}%` });
  frame.append(image, outline);
  return frame;
}

/** One patch in its receptive-field box: padding hatched, the image's pixels placed inside; its image beside it. */
function patchFigure(entry, input) {
  const layout = patchLayout(entry, PATCH_SIZE);
  const figure = el("figure", "topk-item", { "data-rank": String(entry.rank), "data-index": String(entry.index) });
  const frame = el("div", "topk-box", { title: boxText(entry.box) });
  Object.assign(frame.style, { width: `${layout.width}px`, height: `${layout.height}px` });
  const image = el("img", "topk-patch", { src: entry.patch, alt: `patch of ${sourceText(entry)}` });
  Object.assign(image.style, {
    left: `${layout.image.left}px`,
    top: `${layout.image.top}px`,
    width: `${layout.image.width}px`,
    height: `${layout.image.height}px`,
  });
  frame.append(image);
  const caption = el("figcaption", "topk-caption");
  const value = el("span", "topk-value num", { title: fullText(entry.value) }, fixed2(entry.value));
  value.dataset.value = fullText(entry.value);
  caption.append(
    el("span", "topk-rank", {}, `${entry.rank}. `),
    value,
    el("span", "topk-source", {}, sourceText(entry)),
    el("span", "topk-where", {}, `at (${entry.y}, ${entry.x}) · ${boxText(entry.box)}`),
  );
  const padding = paddingText(entry.padding);
  if (padding) caption.append(el("span", "topk-padding-note", {}, padding));
  const pictures = el("div", "topk-pictures");
  pictures.append(frame, contextFigure(entry, input));
  figure.append(pictures, caption);
  return figure;
}

/** The grid of patches, the receptive field in words, and the link to the channel's feature visualisation. */
export function renderPatches(container, data, model) {
  container.replaceChildren();
  const words = data.receptive_field.words;
  container.append(
    el("p", "topk-headline", {}, headline(data)),
    el("p", "topk-field", {}, `${words.charAt(0).toUpperCase()}${words.slice(1)}; hatching is the padding outside the image.`),
  );
  const grid = el("div", "topk-grid", { role: "list" });
  for (const entry of data.top) {
    const figure = patchFigure(entry, data.input);
    figure.setAttribute("role", "listitem");
    grid.append(figure);
  }
  const link = el("a", "topk-visualise", { href: visualiseUrl(model, data.layer, data.channel) }, "Visualise this channel");
  container.append(grid, el("p", "topk-links"));
  container.lastChild.append(link);
}
