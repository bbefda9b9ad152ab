// The frame of views that explain one value of a (C, H, W) map: the maps it reads,
// the output map with a cursor (hover, click, arrow keys), and a numbers panel that
// shows the server's explanation of the value under the cursor.
import { detailApi } from "../../detailapi.js";
import { positionOf } from "../../core/detail.js";
import { mapValues } from "../../core/tensor.js";
import { el } from "../dom.js";
import { domainOf, explainedCursor, mapFigure, panel } from "./common.js";

/**
 * spec: {sources(ctx) -> [{name, channel, label}], render(step, numbersNode, figures), sameShape (default true:
 * the cursor is also drawn on the sources)}
 * where figures = {sources: [mapFigure], output: mapFigure}.
 */
export async function openPositional(root, ctx, spec) {
  const { layer, info, state } = ctx;
  if (layer.output_shape.length !== 3) return openVectorStep(root, ctx, spec);
  const [, height, width] = layer.output_shape;
  const channel = state.channel ?? 0;
  const sources = spec.sources(ctx);
  const [out, ...ins] = await Promise.all([ctx.tensor(layer.name, [channel]), ...sources.map((s) => ctx.tensor(s.name, [s.channel]))]);
  const numbers = el("div", "dnumbers", { "aria-live": "polite" });
  const figures = { sources: [], output: null };
  const cursor = explainedCursor({
    start: { y: Math.min(state.y ?? 0, height - 1), x: Math.min(state.x ?? 0, width - 1) },
    draw({ y, x }) {
      figures.output.cursor(y, x);
      if (spec.sameShape !== false) for (const fig of figures.sources) fig.cursor(y, x);
    },
    explain: (pos) => detailApi.explain(info, layer.name, positionOf(layer.output_shape, { channel, ...pos })),
    render(step, pos) {
      numbers.replaceChildren();
      spec.render(step, numbers, figures);
      numbers.dataset.position = `${channel},${pos.y},${pos.x}`;
    },
    numbers,
    navigate: ctx.navigate,
  });

  const row = el("div", "drow");
  sources.forEach((s, i) => {
    const t = ins[i];
    const values = mapValues(t, 0);
    const fig = mapFigure(values, t.shape[1], t.shape[2], domainOf(values), { label: s.label, size: 180 });
    figures.sources.push(fig);
    const p = panel(null, "dsource");
    p.append(fig.node);
    row.append(p);
  });
  row.append(el("div", "darrow", { "aria-hidden": "true" }, "→"));
  const outValues = mapValues(out, 0);
  figures.output = mapFigure(outValues, height, width, domainOf(outValues), {
    label: `${layer.name} · channel ${channel}`,
    size: 180,
    className: "doutput",
    onHover: cursor.hover,
    onClick: cursor.pin,
    keyPosition: cursor.at,
    arrows: true,
  });
  const outPanel = panel(null, "doutput-panel");
  outPanel.append(figures.output.node, el("p", "hint", {}, "Hover or click the output; arrow keys move when it has focus."));
  row.append(outPanel);
  root.append(row, numbers);
  cursor.show();
  return cursor.view;
}

/** (F,) layers of a positional kind (an activation after a linear layer): the value and its explanation. */
async function openVectorStep(root, ctx, spec) {
  const index = ctx.state.channel ?? 0;
  const step = await detailApi.explain(ctx.info, ctx.layer.name, { index });
  const numbers = el("div", "dnumbers");
  root.append(el("p", "hint", {}, `Unit ${index} of ${ctx.layer.output_shape[0]}.`), numbers);
  spec.render(step, numbers, { sources: [], output: null });
  numbers.dataset.position = String(index);
  return {};
}
