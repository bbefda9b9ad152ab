// Convolution formula view: one input channel with the padding the server added,
// the window its kernel reads for the output position under the cursor (taps
// drawn one by one, so stride and dilation show in how they move), each product
// and their sum, all as the server explained them.
import { mapValues } from "../../core/tensor.js";
import { el } from "../dom.js";
import { domainOf, explainedCursor, mapFigure, message, num, numberGrid, panel } from "./common.js";

const pct = (v, n) => `${(v / n) * 100}%`;

export async function open(root, ctx) {
  const { layer, info, state } = ctx;
  const channel = state.channel ?? 0;
  const ic = state.input ?? 0;
  const [, height, width] = layer.output_shape;
  const inputName = layer.inputs[0];
  const [inter, input] = await Promise.all([ctx.api.intermediate(info, layer.name, channel, [ic]), ctx.api.paddedInput(info, layer.name, [ic])]);
  const { padding_sides: sides, padding_mode: mode, size: [h, w] } = input.header;
  const pad = { values: mapValues(input, 0), height: input.shape[1], width: input.shape[2] };
  const interValues = mapValues(inter, 0);
  const numbers = el("div", "dnumbers formula-numbers", { "aria-live": "polite" });
  let outFig = null;
  const cursor = explainedCursor({
    start: { y: Math.min(state.y ?? 0, height - 1), x: Math.min(state.x ?? 0, width - 1) },
    draw: ({ y, x }) => outFig.cursor(y, x),
    explain: ({ y, x }) => ctx.api.explain(info, layer.name, { channel, y, x }),
    render,
    numbers,
    navigate: ctx.navigate,
  });

  // Padding repeats values of the map or adds zeros, so the padded map's domain is the map's own.
  const inputFig = mapFigure(pad.values, pad.height, pad.width, domainOf(pad.values), {
    label: `${ctx.byName.get(inputName).display === "input" ? (ctx.model.input_spec.channel_names[ic] ?? `input · channel ${ic}`) : `${inputName} · channel ${ic}`}${sides.some((s) => s) ? ` ${mode === "zeros" ? "padded with zeros" : `padded in ${mode} mode`} (P ${sides.join(", ")})` : ""}`,
    size: 260,
  });
  const frame = inputFig.node.querySelector(".dmap-frame");
  if (sides.some((s) => s)) {
    const inner = el("div", "dmap-inner");
    Object.assign(inner.style, { top: pct(sides[0], pad.height), left: pct(sides[2], pad.width), height: pct(h, pad.height), width: pct(w, pad.width) });
    frame.append(inner);
  }
  const taps = el("div", "dmap-taps");
  frame.append(taps);
  outFig = mapFigure(interValues, height, width, domainOf(interValues), {
    label: `intermediate map: channel ${ic} under its kernel`,
    size: 260,
    className: "doutput",
    onHover: cursor.hover,
    onClick: cursor.pin,
    keyPosition: cursor.at,
    arrows: true,
  });
  const row = el("div", "drow");
  const left = panel("input channel", "dsource");
  left.append(inputFig.node);
  const right = panel("output", "doutput-panel");
  right.append(outFig.node, el("p", "hint", {}, "Hover or click a position; arrow keys move when the map has focus."));
  row.append(left, el("div", "darrow", { "aria-hidden": "true" }, "→"), right);
  root.append(row, numbers);

  function drawTaps(step) {
    taps.replaceChildren();
    step.rows.forEach((r) =>
      step.cols.forEach((c) => {
        const cell = el("div", "dmap-tap");
        Object.assign(cell.style, { top: pct(r + sides[0], pad.height), left: pct(c + sides[2], pad.width), height: pct(1, pad.height), width: pct(1, pad.width) });
        taps.append(cell);
      }),
    );
  }

  function render(step) {
    const term = step.terms.find((t) => t.input_channel === ic);
    numbers.replaceChildren();
    if (!term) {
      message(numbers, `input channel ${ic} does not feed output channel ${channel} of ${layer.name} (group ${step.group}); pick one of ${step.terms.map((t) => t.input_channel).join(", ")}`);
      return;
    }
    drawTaps(step);
    const grids = el("div", "formula-grids");
    const domain = domainOf(term.receptive_field.flat());
    grids.append(
      numberGrid(term.receptive_field, domain, { mask: step.padding_mask, caption: "window (padding: 0)", className: "window-grid" }),
      el("span", "op", {}, "×"),
      numberGrid(term.kernel, domainOf(term.kernel.flat()), { caption: "kernel", className: "kernel-grid" }),
      el("span", "op", {}, "="),
      numberGrid(term.products, domainOf(term.products.flat()), { caption: "products", className: "products-grid" }),
    );
    const sum = el("p", "dworked");
    sum.append(`sum of the ${term.products.length * term.products[0].length} products = `, num(term.sum, "num term-sum"));
    const share = el("p", "dworked");
    share.append(`all ${step.terms.length} input channels`, step.bias !== null ? " + bias " : "", step.bias !== null ? num(step.bias, "num bias") : "", " = ", num(step.computed, "num computed"), " · traced output ", num(step.output, "num step-output"));
    const moves = el("p", "hint", {}, `stride S ${step.stride.join("×")}: one step right or down in the output moves the window ${step.stride[1]} column(s) / ${step.stride[0]} row(s); dilation D ${step.dilation.join("×")}: the taps are ${step.dilation[0]} row(s) and ${step.dilation[1]} column(s) apart; padding P ${step.padding.join("×")} (${step.padding_mode}).`);
    numbers.append(el("p", "dformula", {}, step.formula), grids, sum, share, moves);
    numbers.dataset.position = `${channel},${step.position.y},${step.position.x}`;
  }

  cursor.show();
  return cursor.view;
}
