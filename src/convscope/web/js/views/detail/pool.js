// Pooling view: the window on the input map, its values with the winner (max)
// or their sum and divisor (average), and the output value.
import { el } from "../dom.js";
import { domainOf, num, numberGrid, valueLine } from "./common.js";
import { openPositional } from "./positional.js";

export function open(root, ctx) {
  const channel = ctx.state.channel ?? 0;
  return openPositional(root, ctx, {
    sameShape: false,
    sources: ({ layer }) => [{ name: layer.inputs[0], channel, label: `${layer.inputs[0]} · channel ${channel} (input)` }],
    render(step, node, figures) {
      const input = figures.sources[0];
      input.box(step.rows, step.cols);
      const win = step.winner ? [step.rows.indexOf(step.winner[0]), step.cols.indexOf(step.winner[1])] : null;
      if (step.winner) input.mark(step.winner[0], step.winner[1]);
      const grid = numberGrid(step.window, domainOf(step.window.flat()), {
        mask: step.padding_mask,
        highlight: win,
        caption: `window: rows ${step.rows[0]}…${step.rows.at(-1)}, columns ${step.cols[0]}…${step.cols.at(-1)}`,
        className: "pool-window",
      });
      node.append(el("p", "dformula", {}, step.formula), grid);
      if (step.pool === "max") {
        node.append(el("p", "dworked", {}, `largest value, at input row ${step.winner[0]}, column ${step.winner[1]}:`));
      } else {
        const line = el("p", "dworked");
        line.append("sum ", num(step.sum), ` over ${step.count} cells ÷ `, num(step.divisor), " =");
        node.append(line);
      }
      node.append(valueLine("output", step.output, "step-output"));
      const s = step.settings ?? {};
      if (s.kernel) node.append(el("p", "hint", {}, `K ${s.kernel.join("×")} · S ${s.stride.join("×")} · P ${s.padding.join("×")}${s.dilation ? ` · D ${s.dilation.join("×")}` : ""}`));
    },
  });
}
