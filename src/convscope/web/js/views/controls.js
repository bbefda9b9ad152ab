// Header controls: model choice, colour-scale mode, details toggle.
import { SCALE_MODES } from "../core/scales.js";
import { el } from "./dom.js";

/** handlers: {onModel(id), onScale(mode), onDetails(bool)}. */
export function createControls(root, handlers) {
  const modelLabel = el("label", "control");
  const select = el("select", "", { id: "model-select" });
  modelLabel.append(el("span", "", {}, "Model "), select);
  select.addEventListener("change", () => handlers.onModel(select.value));

  const scales = el("fieldset", "control scale-switch");
  scales.append(el("legend", "", {}, "Colour scale"));
  const radios = SCALE_MODES.map(({ id, label }) => {
    const wrap = el("label");
    const input = el("input", "", { type: "radio", name: "scale", value: id });
    input.addEventListener("change", () => input.checked && handlers.onScale(id));
    wrap.append(input, el("span", "", {}, ` ${label}`));
    scales.append(wrap);
    return input;
  });

  const detailsLabel = el("label", "control");
  const details = el("input", "", { type: "checkbox", id: "details-toggle" });
  details.addEventListener("change", () => handlers.onDetails(details.checked));
  detailsLabel.append(details, el("span", "", {}, " Layer details"));

  root.append(modelLabel, scales, detailsLabel);
  return {
    setModels(models) {
      select.replaceChildren(...models.map((m) => el("option", "", { value: m.id }, `${m.name} (${m.id})`)));
      modelLabel.hidden = models.length < 2;
    },
    sync(state) {
      select.value = state.model;
      for (const r of radios) r.checked = r.value === state.scale;
      details.checked = state.details;
    },
  };
}
