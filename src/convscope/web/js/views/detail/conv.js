// Convolution elastic view: the previous layer's channels (most active first,
// paged), one kernel per input channel, each channel's intermediate map, "add
// them up and add the bias", the output map; a player sweeps the output one
// position at a time (the input window moving by the layer's stride), and every
// number follows the cursor: each frame is drawn with the server's explanation of it.
import { pageOf } from "../../core/detail.js";
import { indexOf, positionOf, proportionalSizes, shapeLabel } from "../../core/player.js";
import { mapValues } from "../../core/tensor.js";
import { el } from "../dom.js";
import { paintMap } from "../maps.js";
import { domainOf, mapFigure, message, num, panel } from "./common.js";
import { createPlayer, fillVeil } from "./player.js";
import { compositeFigure, inputDomain } from "./tint.js";

const PER_PAGE = 16;

/** A K×K kernel as a small coloured glyph; its weights in the title (hover). */
function kernelGlyph(kernel, inputChannel) {
  const k = kernel.length;
  const values = Float32Array.from(kernel.flat());
  const canvas = el("canvas", "kernel-glyph");
  paintMap(canvas, values, k, kernel[0].length, domainOf(values));
  canvas.title = `kernel for input channel ${inputChannel}:\n${kernel.map((row) => row.map((v) => v.toFixed(4)).join("  ")).join("\n")}`;
  canvas.dataset.inputChannel = String(inputChannel);
  return canvas;
}

export async function open(root, ctx) {
  const { layer, info, state } = ctx;
  const channel = state.channel ?? 0;
  const [, height, width] = layer.output_shape;
  const inputName = layer.inputs[0];
  const inputLayer = ctx.byName.get(inputName);
  const [, inHeight, inWidth] = inputLayer.output_shape;
  const isImage = inputLayer.display === "input";
  const tints = isImage ? (ctx.model.input_spec.channel_tints ?? []) : [];
  const first = await ctx.api.explain(info, layer.name, { channel, y: 0, x: 0 });
  const group = first.terms.map((t) => t.input_channel);
  const kernels = new Map(first.terms.map((t) => [t.input_channel, t.kernel]));
  // The server's most-active-first order of the input layer, kept to this channel's group.
  const feeds = new Set(group);
  const order = info.layers.find((l) => l.name === inputName).channel_order.filter((c) => feeds.has(c));
  const out = await ctx.tensor(layer.name, [channel]);
  const outValues = mapValues(out, 0);
  // Input and output at one scale: a map half the size is drawn half the size.
  const [rowIn, rowOut] = proportionalSizes([[inHeight, inWidth], [height, width]], 84);
  const [, bigOut] = proportionalSizes([[inHeight, inWidth], [height, width]], 200);

  let page = 0;
  let rows = new Map(); // input channel -> {input, inter, sum}
  let windows = null;
  let pageToken = 0; // the latest page asked for
  let live = false;

  const intro = el("p", "hint", {}, `Output channel ${channel} of ${layer.name} reads ${group.length} input channel${group.length === 1 ? "" : "s"} of ${inputName}: each is convolved with its own kernel (hover a kernel for its weights), the intermediate maps are added up, and the bias is added. Play moves one output position at a time; the window on the inputs moves by the stride ${layer.hyper.stride.join("×")}. Click an input or intermediate map for the formula view.`);
  const pager = el("div", "pager");
  const grid = el("div", "elastic");
  const channelsCol = el("div", "elastic-rows");
  const sumCol = panel("add them up + bias", "elastic-sum");
  const sumBody = el("div", "dnumbers", { "aria-live": "off" });
  const player = createPlayer({
    count: height * width,
    start: indexOf(Math.min(state.y ?? 0, height - 1), Math.min(state.x ?? 0, width - 1), width),
    root,
    load: (i) => ctx.api.explain(info, layer.name, { channel, ...positionOf(i, width) }),
    show: (i, step) => showStep(positionOf(i, width), step),
    cursor: (i) => draw(positionOf(i, width)),
    pending: () => delete sumBody.dataset.position, // the sum on screen is not the one asked for
    // Not before the view is returned: details.js would take the URL change for a new view.
    settled: (i, how) => live && ctx.navigate(positionOf(i, width), null, { replace: how !== "pin" }),
    failed(error) {
      sumBody.replaceChildren();
      message(sumBody, error.message);
    },
    label: (i) => {
      const p = positionOf(i, width);
      return `output (y ${p.y}, x ${p.x}) · position ${i + 1} of ${height * width}`;
    },
  });
  const output = mapFigure(outValues, height, width, domainOf(outValues), {
    label: `${layer.name} · channel ${channel} · ${shapeLabel(height, width)}`,
    size: bigOut,
    className: "doutput",
    onHover: (y, x) => player.hover(indexOf(y, x, width)),
    onClick: (y, x) => player.seek(indexOf(y, x, width), "pin"),
    keyPosition: () => positionOf(player.at(), width),
    arrows: true,
  });
  const veil = fillVeil(output, height, width);
  sumCol.append(sumBody, output.node);
  grid.append(channelsCol, sumCol);
  root.append(intro, player.node, pager, grid);

  async function loadPage(p) {
    const mine = ++pageToken;
    const { channels, page: shown, pages } = pageOf(order, p, PER_PAGE);
    page = shown;
    const [inter, input] = await Promise.all([
      ctx.api.intermediate(info, layer.name, channel, channels.length === group.length ? null : channels),
      ctx.tensor(inputName, channels),
    ]);
    if (mine !== pageToken) return;
    windows = inter.header.windows;
    renderPager(pages, channels.length);
    channelsCol.replaceChildren();
    rows = new Map();
    const inputMaps = new Map();
    inter.header.input_channels.forEach((c, i) => {
      const inValues = mapValues(input, input.header.channels.indexOf(c));
      inputMaps.set(c, inValues);
      const interValues = mapValues(inter, i);
      const toFormula = () => ctx.navigate({ view: "formula", input: c, ...positionOf(player.at(), width) });
      const inLabel = isImage ? (ctx.model.input_spec.channel_names[c] ?? `channel ${c}`) : `${inputName} · ${c}`;
      const inFig = mapFigure(inValues, input.shape[1], input.shape[2], isImage ? inputDomain(inValues, tints[c]) : domainOf(inValues), {
        label: `${inLabel} · ${shapeLabel(inHeight, inWidth)}`,
        size: rowIn,
        onClick: toFormula,
        keyPosition: () => positionOf(player.at(), width),
      });
      if (isImage) inFig.canvas.dataset.tint = tints[c] ?? "gray";
      const interFig = mapFigure(interValues, height, width, domainOf(interValues), {
        label: `intermediate ${c} · ${shapeLabel(height, width)}`,
        size: rowOut,
        onHover: (y, x) => player.hover(indexOf(y, x, width)),
        onClick: toFormula,
        keyPosition: () => positionOf(player.at(), width),
      });
      interFig.canvas.classList.add("intermediate");
      interFig.canvas.dataset.inputChannel = String(c);
      const sum = el("span", "term-sum");
      const row = el("div", "elastic-row");
      row.dataset.inputChannel = String(c);
      row.append(inFig.node, el("span", "op", {}, "∗"), kernelGlyph(kernels.get(c), c), el("span", "op", {}, "="), interFig.node, sum);
      channelsCol.append(row);
      rows.set(c, { input: inFig, inter: interFig, sum });
    });
    const composite = isImage ? compositeFigure(inputMaps, tints, inHeight, inWidth, rowIn) : null;
    if (composite) channelsCol.prepend(composite);
    draw(positionOf(player.at(), width));
    if (!player.playing()) player.seek(player.at(), "step");
  }

  function renderPager(pages, count) {
    pager.replaceChildren();
    if (pages <= 1) return;
    const prev = el("button", "pager-prev", { type: "button" }, "◀ Previous");
    const next = el("button", "pager-next", { type: "button" }, "Next ▶");
    prev.disabled = page === 0;
    next.disabled = page === pages - 1;
    prev.addEventListener("click", () => loadPage(page - 1));
    next.addEventListener("click", () => loadPage(page + 1));
    const from = page * PER_PAGE + 1;
    pager.append(prev, el("span", "pager-text", {}, `input channels ${from}–${from + count - 1} of ${group.length}, most active first (page ${page + 1} of ${pages})`), next);
  }

  function draw(pos) {
    output.cursor(pos.y, pos.x);
    if (player.playing()) veil.show(pos.y, pos.x);
    else veil.clear();
    for (const r of rows.values()) {
      r.inter.cursor(pos.y, pos.x);
      if (windows) r.input.box(windows.rows[pos.y], windows.cols[pos.x]);
    }
  }

  /** Cursor, windows and every number of one frame, drawn together. */
  function showStep(pos, step) {
    draw(pos);
    for (const r of rows.values()) r.sum.replaceChildren();
    for (const term of step.terms) {
      const r = rows.get(term.input_channel);
      if (r) r.sum.replaceChildren(num(term.sum, "num term-value"));
    }
    renderSum(step);
    sumBody.dataset.position = `${channel},${pos.y},${pos.x}`;
  }

  function renderSum(step) {
    sumBody.replaceChildren();
    const line = el("p", "dworked");
    line.append(`Σ of the ${step.terms.length} channel sums at (y ${step.position.y}, x ${step.position.x})`);
    if (step.bias !== null) line.append(" + bias ", num(step.bias, "num bias"));
    line.append(" = ", num(step.computed, "num computed"));
    const traced = el("p", "dworked");
    traced.append("traced output ", num(step.output, "num step-output"));
    sumBody.append(line, traced, el("p", "hint dformula", {}, step.formula));
  }

  await loadPage(0);
  if (state.y === null || state.x === null) {
    await player.seek(0, "play");
    player.play();
  }
  live = true;
  return {
    position(next) {
      if (next.y === null || next.x === null) return;
      const i = indexOf(Math.min(next.y, height - 1), Math.min(next.x, width - 1), width);
      if (i !== player.at()) player.seek(i, "step");
    },
    destroy() {
      player.destroy();
      pageToken += 1;
    },
  };
}
