// Residual add view: the maps that are added, and their values at the cursor summed.
import { el } from "../dom.js";
import { num, valueLine } from "./common.js";
import { openPositional } from "./positional.js";

export function open(root, ctx) {
  const channel = ctx.state.channel ?? 0;
  return openPositional(root, ctx, {
    sources: ({ layer }) => layer.inputs.map((name) => ({ name, channel, label: `${name} · channel ${channel}` })),
    render(step, node) {
      const sum = el("p", "dworked");
      step.terms.forEach((term, i) => {
        if (i) sum.append(" + ");
        const part = num(term.value, "num add-term");
        part.title = `${term.layer}: ${term.value}`;
        sum.append(part);
      });
      sum.append(" = ", num(step.computed));
      node.append(el("p", "dformula", {}, step.formula), sum, valueLine("output", step.output, "step-output"));
    },
  });
}
