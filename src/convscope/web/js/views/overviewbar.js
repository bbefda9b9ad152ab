// The overview's own controls for deep networks: compact mode (BatchNorm and
// activation columns folded into the conv they follow) and opening or collapsing
// every block at once. Hidden for networks that have neither blocks nor depth.
import { el } from "./dom.js";

/** handlers: {onCompact(on), onAll(open)}. Returns {sync(model, view)}. */
export function createOverviewBar(root, handlers) {
  const bar = el("div", "overview-bar", { role: "group", "aria-label": "Overview layout" });
  const compact = el("input", "", { type: "checkbox", id: "compact-toggle" });
  const label = el("label", "compact-label", { for: "compact-toggle", title: "Fold BatchNorm, activation and dropout columns into the layer they follow" });
  label.append(compact, document.createTextNode(" compact"));
  const openAll = el("button", "blocks-all", { type: "button", "data-all": "open" }, "open all blocks");
  const closeAll = el("button", "blocks-all", { type: "button", "data-all": "collapse" }, "collapse all blocks");
  bar.append(label, openAll, closeAll);
  bar.hidden = true;
  root.prepend(bar);
  compact.addEventListener("change", () => handlers.onCompact(compact.checked));
  openAll.addEventListener("click", () => handlers.onAll(true));
  closeAll.addEventListener("click", () => handlers.onAll(false));
  return {
    /** view: core/blocks.js resolveView; the bar shows for models with blocks or opened compact. */
    sync(model, view) {
      const blocks = model.blocks ?? [];
      bar.hidden = !(blocks.length || (model.overview && model.overview.compact));
      compact.checked = view.compact;
      openAll.hidden = closeAll.hidden = !blocks.length;
      openAll.disabled = blocks.every((b) => view.open.has(b.name));
      closeAll.disabled = blocks.every((b) => !view.open.has(b.name));
    },
  };
}
