// A warning about the model being viewed (the server's words, e.g. that its
// weights are random), over the page while that model is shown.
import { el } from "./dom.js";

/** model: the /api/models/{id} payload; hides the banner when it carries no notice. */
export function renderBanner(node, model) {
  const notice = model && model.notice;
  node.hidden = !notice;
  node.replaceChildren();
  if (!notice) return;
  node.append(el("strong", "", {}, `${model.name}: `), el("span", "banner-text", {}, notice));
}
