// Activation view (ReLU and friends): the input map, the output map, and the
// function applied to the value under the cursor, worked out by the server.
import { el } from "../dom.js";
import { valueLine } from "./common.js";
import { openPositional } from "./positional.js";

export function renderActivation(step, node) {
  node.append(
    el("p", "dformula", {}, step.formula),
    valueLine("input", step.input, "step-input"),
    el("p", "dworked", {}, step.worked),
    valueLine("output", step.output, "step-output"),
  );
  const params = Object.entries(step.parameters ?? {});
  if (params.length) node.append(el("p", "hint", {}, params.map(([k, v]) => `${k} = ${v}`).join(", ")));
}

export function open(root, ctx) {
  const channel = ctx.state.channel ?? 0;
  return openPositional(root, ctx, {
    sources: ({ layer }) => [{ name: layer.inputs[0], channel, label: `${layer.inputs[0]} · channel ${channel} (input)` }],
    render: (step, node) => renderActivation(step, node),
  });
}
