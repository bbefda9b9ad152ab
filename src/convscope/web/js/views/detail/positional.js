// The frame of views that explain one value of a (C, H, W) map: the maps it reads,
// the output map with a cursor (hover, click, arrow keys), and a numbers panel that
// shows the server's explanation of the value under the cursor.
import { detailApi } from "../../detailapi.js";
import { positionOf } from "../../core/detail.js";
import { mapValues } from "../../core/tensor.js";
import { el } from "../dom.js";
import { domainOf, mapFigure, message, panel } from "./common.js";

const HOVER_DELAY_MS = 60;

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
  let pos = { y: Math.min(state.y ?? 0, height - 1), x: Math.min(state.x ?? 0, width - 1) };
  let timer = null;
  let token = 0;

  const row = el("div", "drow");
  const figures = { sources: [], output: null };
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
    onHover: (y, x) => move(y, x, false),
    onClick: (y, x) => pin(y, x),
    keyPosition: () => pos,
  });
  const outPanel = panel(null, "doutput-panel");
  outPanel.append(figures.output.node, el("p", "hint", {}, "Hover or click the output; arrow keys move when it has focus."));
  row.append(outPanel);
  const numbers = el("div", "dnumbers", { "aria-live": "polite" });
  root.append(row, numbers);
  figures.output.canvas.addEventListener("keydown", (event) => {
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const d = moves[event.key];
    if (!d) return;
    event.preventDefault();
    pin(Math.max(0, Math.min(height - 1, pos.y + d[0])), Math.max(0, Math.min(width - 1, pos.x + d[1])));
  });

  async function show() {
    const mine = ++token;
    try {
      const step = await detailApi.explain(info, layer.name, positionOf(layer.output_shape, { channel, ...pos }));
      if (mine !== token) return;
      numbers.replaceChildren();
      spec.render(step, numbers, figures);
      numbers.dataset.position = `${channel},${pos.y},${pos.x}`;
    } catch (error) {
      if (mine !== token) return;
      numbers.replaceChildren();
      message(numbers, error.message);
    }
  }

  function move(y, x, now) {
    pos = { y, x };
    figures.output.cursor(y, x);
    if (spec.sameShape !== false) for (const fig of figures.sources) fig.cursor(y, x);
    clearTimeout(timer);
    if (now) show();
    else timer = setTimeout(show, HOVER_DELAY_MS);
  }

  function pin(y, x) {
    move(y, x, true);
    ctx.navigate({ y, x });
  }

  move(pos.y, pos.x, true);
  return {
    position(next) {
      if (next.y !== null && next.x !== null && (next.y !== pos.y || next.x !== pos.x)) move(next.y, next.x, true);
    },
    destroy() {
      clearTimeout(timer);
      token += 1;
    },
  };
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
