// The model picker: one button per served model, the chosen one pressed. Shown
// only when there is a choice; the choice itself lives in the URL (state.model).
import { el } from "./dom.js";

/** handlers: {onModel(id)}. */
export function createPicker(root, handlers) {
  const group = el("div", "model-picker", { role: "group", "aria-label": "Model", id: "model-picker" });
  root.append(group);
  root.hidden = true;
  let buttons = [];
  return {
    /** models: the /api/models list (id, name, notice, input_spec, classes). */
    setModels(models) {
      buttons = models.map((m) => {
        const spec = m.input_spec;
        const b = el("button", "model-choice", { type: "button", "aria-pressed": "false", "data-model": m.id });
        const title = el("span", "model-choice-name", {}, m.name === m.id ? m.id : `${m.name} · ${m.id}`);
        const facts = `${spec.width}×${spec.height} ${spec.channels === 1 ? "gray" : "RGB"} · ${m.classes.length} classes`;
        b.append(title, el("span", "model-choice-facts", {}, facts));
        if (m.notice) b.append(el("span", "model-choice-tag", { title: m.notice }, "random weights"));
        b.addEventListener("click", () => handlers.onModel(m.id));
        return b;
      });
      group.replaceChildren(el("span", "model-picker-label", {}, "Model"), ...buttons);
      root.hidden = models.length < 2;
    },
    sync(state) {
      for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset.model === state.model));
    },
  };
}
