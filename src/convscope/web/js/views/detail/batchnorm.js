// Batch normalisation view: (x − μ)/√(σ² + ε)·γ + β for the value under the cursor.
import { el } from "../dom.js";
import { valueLine } from "./common.js";
import { openPositional } from "./positional.js";

export function open(root, ctx) {
  const channel = ctx.state.channel ?? 0;
  return openPositional(root, ctx, {
    sources: ({ layer }) => [{ name: layer.inputs[0], channel, label: `${layer.inputs[0]} · channel ${channel} (input)` }],
    render(step, node) {
      node.append(
        el("p", "dformula", {}, step.formula),
        valueLine("input x", step.input, "step-input"),
        valueLine("mean μ", step.mean),
        valueLine("variance σ²", step.var),
        valueLine("ε", step.eps),
        valueLine("√(σ² + ε)", step.std),
        valueLine("normalised (x − μ)/√(σ² + ε)", step.normalised),
        valueLine("scale γ", step.gamma),
        valueLine("shift β", step.beta),
        el("p", "dworked", {}, step.worked),
        valueLine("output", step.output, "step-output"),
        el("p", "hint", {}, `statistics: ${step.statistics}`),
      );
    },
  });
}
