// The frame of views that explain one value of a (C, H, W) map: the maps it reads,
// the output map with a cursor (hover, click, arrow keys), a player that sweeps the
// output position by position (filling it in), and a numbers panel that shows the
// server's explanation of the value under the cursor, frame by frame.
import { positionOf } from "../../core/detail.js";
import { indexOf, positionOf as cellOf, proportionalSizes, shapeLabel } from "../../core/player.js";
import { mapValues } from "../../core/tensor.js";
import { el } from "../dom.js";
import { domainOf, mapFigure, message, panel } from "./common.js";
import { createPlayer, fillVeil } from "./player.js";

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
  const numbers = el("div", "dnumbers", { "aria-live": "off" });
  const figures = { sources: [], output: null };
  let live = false;
  const draw = ({ y, x }) => {
    figures.output.cursor(y, x);
    if (spec.sameShape !== false) for (const fig of figures.sources) fig.cursor(y, x);
  };
  const player = createPlayer({
    count: height * width,
    start: indexOf(Math.min(state.y ?? 0, height - 1), Math.min(state.x ?? 0, width - 1), width),
    root,
    load: (i) => ctx.api.explain(info, layer.name, positionOf(layer.output_shape, { channel, ...cellOf(i, width) })),
    pending: () => delete numbers.dataset.position,
    cursor: (i) => draw(cellOf(i, width)),
    show(i, step) {
      const pos = cellOf(i, width);
      draw(pos);
      if (player.playing()) veil.show(pos.y, pos.x);
      else veil.clear();
      numbers.replaceChildren();
      spec.render(step, numbers, figures);
      numbers.dataset.position = `${channel},${pos.y},${pos.x}`;
    },
    // Not before the view is returned: details.js would take the URL change for a new view.
    settled: (i, how) => live && ctx.navigate(cellOf(i, width), null, { replace: how !== "pin" }),
    failed(error) {
      numbers.replaceChildren();
      message(numbers, error.message);
    },
    label: (i) => `output (y ${cellOf(i, width).y}, x ${cellOf(i, width).x}) · position ${i + 1} of ${height * width}`,
  });

  // Inputs and output at one scale, so that a pool's halving is visible; shapes under each.
  const shapes = [...ins.map((t) => [t.shape[1], t.shape[2]]), [height, width]];
  const sizes = proportionalSizes(shapes, 180);
  const row = el("div", "drow");
  sources.forEach((s, i) => {
    const t = ins[i];
    const values = mapValues(t, 0);
    const fig = mapFigure(values, t.shape[1], t.shape[2], domainOf(values), { label: `${s.label} · ${shapeLabel(t.shape[1], t.shape[2])}`, size: sizes[i] });
    figures.sources.push(fig);
    const p = panel(null, "dsource");
    p.append(fig.node);
    row.append(p);
  });
  row.append(el("div", "darrow", { "aria-hidden": "true" }, "→"));
  const outValues = mapValues(out, 0);
  figures.output = mapFigure(outValues, height, width, domainOf(outValues), {
    label: `${layer.name} · channel ${channel} · ${shapeLabel(height, width)}`,
    size: sizes.at(-1),
    className: "doutput",
    onHover: (y, x) => player.hover(indexOf(y, x, width)),
    onClick: (y, x) => player.seek(indexOf(y, x, width), "pin"),
    keyPosition: () => cellOf(player.at(), width),
    arrows: true,
  });
  const veil = fillVeil(figures.output, height, width);
  const outPanel = panel(null, "doutput-panel");
  outPanel.append(figures.output.node, el("p", "hint", {}, "Hover or click the output; arrow keys move when it has focus. Play sweeps every output position in turn."));
  row.append(outPanel);
  root.append(player.node, row, numbers);
  if (state.y === null || state.x === null) {
    await player.seek(0, "play");
    player.play();
  } else {
    await player.seek(player.at(), "step");
  }
  live = true;
  return {
    position(next) {
      if (next.y === null || next.x === null) return;
      const i = indexOf(Math.min(next.y, height - 1), Math.min(next.x, width - 1), width);
      if (i !== player.at()) player.seek(i, "step");
    },
    destroy: () => player.destroy(),
  };
}

/** (F,) layers of a positional kind (an activation after a linear layer): the value and its explanation. */
async function openVectorStep(root, ctx, spec) {
  const index = ctx.state.channel ?? 0;
  const step = await ctx.api.explain(ctx.info, ctx.layer.name, { index });
  const numbers = el("div", "dnumbers");
  root.append(el("p", "hint", {}, `Unit ${index} of ${ctx.layer.output_shape[0]}.`), numbers);
  spec.render(step, numbers, { sources: [], output: null });
  numbers.dataset.position = String(index);
  return {};
}
