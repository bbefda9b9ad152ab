// The form's augmentation previews: the server's pictures of a few real samples
// (convscope augment-preview's grid) drawn as strips, one beside each augmentation
// control, the originals above them and all of them together below.
import { el } from "./dom.js";

/**
 * slots: Map(title -> element) from the form ("original", each augmentation's name, "all").
 * preview: the server's /api/train/augment-preview answer. A slot without a column is emptied.
 */
export function renderAugPreview(slots, preview) {
  const columns = new Map(preview.columns.map((c) => [c.title, c]));
  for (const [title, slot] of slots) {
    const column = columns.get(title);
    slot.replaceChildren();
    slot.hidden = !column;
    if (!column) continue;
    slot.dataset.seed = String(preview.seed);
    slot.dataset.augment = preview.augment.join(" ");
    column.images.forEach((src, i) => {
      const what = title === "original" ? "as it is" : title === "all" ? "with every augmentation on" : `with ${title}`;
      slot.append(el("img", "aug-sample", { src, alt: `a ${preview.samples[i]} ${what}`, title: preview.samples[i] }));
    });
  }
}
