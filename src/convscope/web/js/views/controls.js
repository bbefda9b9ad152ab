// Header controls: colour-scale mode, details toggle, shape order (the model choice is views/picker.js).
import { ORDERS } from "../core/format.js";
import { SCALE_MODES } from "../core/scales.js";
import { el } from "./dom.js";

/** handlers: {onScale(mode), onDetails(bool), onOrder(order)}. */
export function createControls(root, handlers) {
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

  const orders = el("fieldset", "control order-switch", { title: "How shapes are written: PyTorch's C×H×W or H×W×C as Keras and most courses write them" });
  orders.append(el("legend", "", {}, "Shapes"));
  const orderRadios = ORDERS.map(({ id, label }) => {
    const wrap = el("label");
    const input = el("input", "", { type: "radio", name: "order", value: id });
    input.addEventListener("change", () => input.checked && handlers.onOrder?.(id));
    wrap.append(input, el("span", "", {}, ` ${label}`));
    orders.append(wrap);
    return input;
  });

  root.append(scales, detailsLabel, orders);
  return {
    sync(state) {
      for (const r of radios) r.checked = r.value === state.scale;
      details.checked = state.details;
      for (const r of orderRadios) r.checked = r.value === state.order;
    },
  };
}
