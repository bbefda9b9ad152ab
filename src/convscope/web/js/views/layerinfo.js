// Facts about the selected layer, straight from the server's layer record: the
// course's numbers (layer.facts, worded by convscope.teaching.facts in both shape orders).
import { shapeText } from "../core/format.js";
import { el } from "./dom.js";

const pair = (v) => (Array.isArray(v) ? v.join("×") : String(v));

/** order: "chw" or "hwc", how shapes are written (state.order). */
export function renderLayerInfo(node, layer, range, order = "chw") {
  node.replaceChildren();
  if (!layer) {
    node.append(el("p", "hint", {}, "Select a layer (click its name, or Tab to it and press Enter) to see its facts."));
    return;
  }
  node.append(el("h2", "", {}, `${layer.name}`));
  const list = el("dl", "facts");
  const add = (k, v, className = "") => list.append(el("dt", className, {}, k), el("dd", className, {}, v));
  add("kind", layer.kind);
  add("inputs", layer.inputs.join(", ") || "—");
  for (const fact of layer.facts ?? []) add(fact.label, order === "hwc" ? fact.hwc : fact.chw, "course-fact");
  if (!(layer.facts ?? []).some((f) => f.label === "output shape")) add("output shape", shapeText(layer.output_shape, order));
  for (const [k, v] of Object.entries(layer.hyper)) add(k, pair(v));
  if (range) add("value range", `${range.min.toPrecision(4)} … ${range.max.toPrecision(4)}`);
  node.append(list);
}
