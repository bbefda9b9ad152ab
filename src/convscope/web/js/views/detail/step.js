// A plain view for steps with no picture of their own (concat, flatten, dropout,
// identity, zero padding): the output map with a cursor and the step's fields.
import { el } from "../dom.js";
import { valueLine } from "./common.js";
import { openPositional } from "./positional.js";

function fields(step) {
  const skip = new Set(["step", "layer", "kind", "position", "output", "computed", "scale", "formula"]);
  return Object.entries(step).filter(([k]) => !skip.has(k));
}

export function open(root, ctx) {
  return openPositional(root, ctx, {
    sources: () => [],
    render(step, node) {
      node.append(el("p", "dformula", {}, step.formula || step.step));
      const list = el("dl", "facts");
      for (const [k, v] of fields(step)) list.append(el("dt", "", {}, k), el("dd", "", {}, typeof v === "object" ? JSON.stringify(v) : String(v)));
      node.append(list, valueLine("output", step.output, "step-output"));
    },
  });
}
