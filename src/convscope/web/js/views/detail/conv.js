// Convolution elastic view: the previous layer's channels (most active first,
// paged), one kernel per input channel, each channel's intermediate map, "add
// them up and add the bias", the output map; an animated sweep over the output.
import { detailApi } from "../../detailapi.js";
import { pageOf, sweepPositions } from "../../core/detail.js";
import { mapValues } from "../../core/tensor.js";
import { el } from "../dom.js";
import { paintMap } from "../maps.js";
import { HOVER_DELAY_MS, domainOf, mapFigure, message, num, panel, playerControls } from "./common.js";

const FRAME_MS = 45;
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
  const first = await detailApi.explain(info, layer.name, { channel, y: 0, x: 0 });
  const group = first.terms.map((t) => t.input_channel);
  const kernels = new Map(first.terms.map((t) => [t.input_channel, t.kernel]));
  // The server's most-active-first order of the input layer, kept to this channel's group.
  const feeds = new Set(group);
  const order = info.layers.find((l) => l.name === inputName).channel_order.filter((c) => feeds.has(c));
  const out = await ctx.tensor(layer.name, [channel]);
  const outValues = mapValues(out, 0);

  let page = 0;
  let rows = new Map(); // input channel -> {input, inter, sum}
  let windows = null;
  let pos = { y: state.y ?? 0, x: state.x ?? 0 };
  let frames = sweepPositions(height, width);
  let frame = 0;
  let playing = false;
  let timer = null;
  let token = 0; // the latest explanation asked for
  let pageToken = 0; // the latest page asked for

  const intro = el("p", "hint", {}, `Output channel ${channel} of ${layer.name} reads ${group.length} input channel${group.length === 1 ? "" : "s"} of ${inputName}: each is convolved with its own kernel (hover a kernel for its weights), the intermediate maps are added up, and the bias is added. Click an input or intermediate map for the formula view.`);
  const player = playerControls({ onToggle: () => (playing ? pause() : play()), onSkip: skip, onReplay: replay });
  const pager = el("div", "pager");
  const grid = el("div", "elastic");
  const channelsCol = el("div", "elastic-rows");
  const sumCol = panel("add them up + bias", "elastic-sum");
  const sumBody = el("div", "dnumbers", { "aria-live": "polite" });
  const output = mapFigure(outValues, height, width, domainOf(outValues), {
    label: `${layer.name} · channel ${channel}`,
    size: 200,
    className: "doutput",
    onHover: (y, x) => hoverAt(y, x),
    onClick: (y, x) => pin(y, x),
    keyPosition: () => pos,
    arrows: true,
  });
  sumCol.append(sumBody, output.node);
  grid.append(channelsCol, sumCol);
  root.append(intro, player.node, pager, grid);

  async function loadPage(p) {
    const mine = ++pageToken;
    const { channels, page: shown, pages } = pageOf(order, p, PER_PAGE);
    page = shown;
    const [inter, input] = await Promise.all([
      detailApi.intermediate(info, layer.name, channel, channels.length === group.length ? null : channels),
      ctx.tensor(inputName, channels),
    ]);
    if (mine !== pageToken) return;
    windows = inter.header.windows;
    renderPager(pages, channels.length);
    channelsCol.replaceChildren();
    rows = new Map();
    inter.header.input_channels.forEach((c, i) => {
      const inValues = mapValues(input, input.header.channels.indexOf(c));
      const interValues = mapValues(inter, i);
      const toFormula = () => ctx.navigate({ view: "formula", input: c, y: pos.y, x: pos.x });
      const inLabel = ctx.byName.get(inputName).display === "input" ? (ctx.model.input_spec.channel_names[c] ?? `channel ${c}`) : `${inputName} · ${c}`;
      const inFig = mapFigure(inValues, input.shape[1], input.shape[2], domainOf(inValues), { label: inLabel, size: 84, onClick: toFormula, keyPosition: () => pos });
      const interFig = mapFigure(interValues, height, width, domainOf(interValues), {
        label: `intermediate ${c}`,
        size: 84,
        onHover: (y, x) => hoverAt(y, x),
        onClick: toFormula,
        keyPosition: () => pos,
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
    draw();
    if (!playing) explainAt();
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

  function draw() {
    output.cursor(pos.y, pos.x);
    for (const r of rows.values()) {
      r.inter.cursor(pos.y, pos.x);
      if (windows) r.input.box(windows.rows[pos.y], windows.cols[pos.x]);
    }
  }

  async function explainAt() {
    const mine = ++token;
    const at = { ...pos };
    delete sumBody.dataset.position; // the sum on screen is not yet the one for this position
    try {
      const step = await detailApi.explain(info, layer.name, { channel, y: at.y, x: at.x });
      if (mine !== token) return;
      for (const term of step.terms) {
        const r = rows.get(term.input_channel);
        if (!r) continue;
        r.sum.replaceChildren(num(term.sum, "num term-value"));
      }
      renderSum(step);
      sumBody.dataset.position = `${channel},${at.y},${at.x}`;
    } catch (error) {
      if (mine !== token) return;
      sumBody.replaceChildren();
      message(sumBody, error.message);
    }
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

  function tick() {
    if (frame >= frames.length) {
      pause();
      return;
    }
    pos = frames[frame];
    frame += 1;
    draw();
  }

  function play() {
    if (frame >= frames.length) frame = 0;
    playing = true;
    player.playing(true);
    clearInterval(timer);
    timer = setInterval(tick, FRAME_MS);
    root.dataset.playing = "true";
  }

  function pause() {
    playing = false;
    player.playing(false);
    clearInterval(timer);
    root.dataset.playing = "false";
    explainAt();
  }

  function skip() {
    frame = frames.length;
    pos = frames.at(-1);
    draw();
    pause();
  }

  function replay() {
    frame = 0;
    play();
  }

  function hoverAt(y, x) {
    if (playing) pause();
    pos = { y, x };
    draw();
    clearTimeout(hoverAt.timer);
    hoverAt.timer = setTimeout(explainAt, HOVER_DELAY_MS);
  }

  function pin(y, x) {
    if (playing) pause();
    pos = { y, x };
    draw();
    explainAt();
    ctx.navigate({ y, x });
  }

  await loadPage(0);
  if (state.y === null || state.x === null) play();
  else pause();
  return {
    position(next) {
      if (next.y !== null && next.x !== null && (next.y !== pos.y || next.x !== pos.x)) {
        if (playing) pause();
        pos = { y: next.y, x: next.x };
        draw();
        explainAt();
      }
    },
    destroy() {
      clearInterval(timer);
      clearTimeout(hoverAt.timer);
      token += 1;
      pageToken += 1;
    },
  };
}
