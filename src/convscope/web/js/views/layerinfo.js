// Facts about the selected layer, straight from the server's layer record.
import { formatCount, shapeText } from "../core/format.js";
import { el } from "./dom.js";

const pair = (v) => (Array.isArray(v) ? v.join("×") : String(v));

export function renderLayerInfo(node, layer, range) {
  node.replaceChildren();
  if (!layer) {
    node.append(el("p", "hint", {}, "Select a layer (click its name, or Tab to it and press Enter) to see its facts."));
    return;
  }
  node.append(el("h2", "", {}, `${layer.name}`));
  const list = el("dl", "facts");
  const add = (k, v) => list.append(el("dt", "", {}, k), el("dd", "", {}, v));
  add("kind", layer.kind);
  add("output shape", shapeText(layer.output_shape));
  add("inputs", layer.inputs.join(", ") || "—");
  for (const [k, v] of Object.entries(layer.hyper)) add(k, pair(v));
  add("parameters", formatCount(layer.params));
  add("multiplications", `${formatCount(layer.mults)}${layer.mult_formula && layer.mult_formula !== "0" ? ` = ${layer.mult_formula}` : ""}`);
  if (range) add("value range", `${range.min.toPrecision(4)} … ${range.max.toPrecision(4)}`);
  node.append(list);
}
