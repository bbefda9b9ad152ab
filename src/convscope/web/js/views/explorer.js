// Hyperparameter explorer: input size, padding, kernel, stride and dilation; the
// floor rule (PyTorch) and the strict rule side by side, invalid combinations in
// words, and the receptive field of every output cell animated on the input.
// All arithmetic comes from GET /api/arith.
import { detailApi } from "../detailapi.js";
import { DEFAULTS, LIMITS, arithQuery, clampSettings, settingsFromLayer, windowFrames } from "../core/explorer.js";
import { el } from "./dom.js";
import { message, playerControls } from "./detail/common.js";

const FRAME_MS = 350;
const LABELS = { size: "input size H = W", kernel: "kernel K", stride: "stride S", padding: "padding P", dilation: "dilation D" };

function initialSettings(ctx) {
  const layer = ctx.layer;
  if (!layer || layer.kind !== "conv2d") return { settings: { ...DEFAULTS }, notes: [] };
  const input = ctx.byName.get(layer.inputs[0]);
  return settingsFromLayer(layer, input.output_shape);
}

/** A grid of cells, `rows`×`cols`, with the `pad` frame marked as padding. */
function cellGrid(rows, cols, pad, className) {
  const grid = el("div", `cell-grid ${className}`);
  grid.style.gridTemplateColumns = `repeat(${cols}, var(--cell))`;
  const cells = [];
  for (let r = 0; r < rows; r += 1) {
    for (let c = 0; c < cols; c += 1) {
      const cell = el("div", "cell");
      if (pad && (r < pad.top || r >= rows - pad.bottom || c < pad.left || c >= cols - pad.right)) cell.classList.add("pad");
      grid.append(cell);
      cells.push(cell);
    }
  }
  return { node: grid, at: (r, c) => cells[r * cols + c] };
}

export function open(root, ctx) {
  const start = initialSettings(ctx);
  let settings = start.settings;
  let timer = null;
  let frames = [];
  let frame = 0;
  let playing = false;
  let lit = [];
  let token = 0;

  const form = el("form", "explorer-form", { "aria-label": "Layer settings" });
  form.addEventListener("submit", (e) => e.preventDefault());
  const inputs = {};
  for (const [key, [lo, hi]] of Object.entries(LIMITS)) {
    const label = el("label", "explorer-field");
    const input = el("input", "", { type: "number", min: String(lo), max: String(hi), step: "1", name: key, value: String(settings[key]) });
    input.addEventListener("input", () => changed());
    inputs[key] = input;
    label.append(el("span", "", {}, LABELS[key]), input);
    form.append(label);
  }
  const notes = el("p", "hint explorer-notes", {}, start.notes.length ? `From ${ctx.layer.name}: ${start.notes.join("; ")}.` : ctx.layer && ctx.layer.kind === "conv2d" ? `Settings of ${ctx.layer.name}.` : "");
  const verdict = el("div", "explorer-verdict", { "aria-live": "polite" });
  const player = playerControls({ onToggle: () => (playing ? stop() : play()), onSkip: () => { stop(); show(frames.length - 1); }, onReplay: () => { frame = 0; play(); } });
  const stage = el("div", "explorer-stage");
  const steps = el("ol", "explorer-steps");
  root.append(form, notes, verdict, player.node, stage, steps);

  function changed() {
    settings = clampSettings(Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value])));
    clearTimeout(changed.timer);
    changed.timer = setTimeout(load, 120);
  }

  async function load() {
    const mine = ++token;
    stop();
    try {
      const answer = await detailApi.arith(arithQuery(settings));
      if (mine === token) render(answer);
    } catch (error) {
      if (mine !== token) return;
      verdict.replaceChildren();
      stage.replaceChildren();
      steps.replaceChildren();
      root.dataset.valid = "impossible";
      player.node.hidden = true; // nothing to animate
      message(verdict, `No output at all: ${error.message}`);
    }
  }

  function rule(title, body, ok) {
    const box = el("section", `rule ${ok ? "ok" : "bad"}`);
    box.append(el("h3", "", {}, title), ...body);
    return box;
  }

  function render(answer) {
    const { report, padded, windows } = answer;
    const strict = report.strict_rule;
    const out = report.output;
    verdict.replaceChildren(
      rule("Floor rule (PyTorch)", [el("p", "rule-size", {}, `${out.height}×${out.width}`), el("p", "hint", {}, `${strict.height.fraction}, rounded down: ${strict.height.floor}`)], true),
      rule("Strict rule", [el("p", "rule-size", {}, strict.valid ? `${out.height}×${out.width}` : "invalid"), el("p", strict.valid ? "hint" : "rule-reason", {}, strict.valid ? "the windows tile the padded input exactly" : strict.reason)], strict.valid),
    );
    root.dataset.valid = strict.valid ? "valid" : "strict-invalid";
    player.node.hidden = false;
    steps.replaceChildren(...report.steps.map((s) => el("li", "", {}, s)));
    const pad = report.padding;
    const input = cellGrid(padded[0], padded[1], pad, "explorer-input");
    const output = cellGrid(windows.rows.length, windows.cols.length, null, "explorer-output");
    const inBox = el("figure", "");
    inBox.append(input.node, el("figcaption", "", {}, `input ${report.input.height}×${report.input.width}${pad.top + pad.left ? `, padded to ${padded[0]}×${padded[1]} (gray: padding zeros)` : ""}`));
    const outBox = el("figure", "");
    outBox.append(output.node, el("figcaption", "", {}, `output ${out.height}×${out.width}`));
    stage.replaceChildren(inBox, el("div", "darrow", { "aria-hidden": "true" }, "→"), outBox);
    frames = windowFrames(windows).map((f) => ({ ...f, taps: f.rows.flatMap((r) => f.cols.map((c) => input.at(r + pad.top, c + pad.left))), out: output.at(f.oy, f.ox) }));
    frames.forEach((f, i) => f.out.addEventListener("mouseenter", () => { stop(); show(i); }));
    frame = 0;
    show(0);
    play();
  }

  function show(i) {
    for (const cell of lit) cell.classList.remove("tap", "current");
    const f = frames[i];
    if (!f) return;
    lit = [...f.taps, f.out];
    for (const cell of f.taps) cell.classList.add("tap");
    f.out.classList.add("current");
    frame = i;
  }

  function play() {
    if (!frames.length) return;
    playing = true;
    player.playing(true);
    clearInterval(timer);
    timer = setInterval(() => {
      if (frame + 1 >= frames.length) return stop();
      show(frame + 1);
    }, FRAME_MS);
  }

  function stop() {
    playing = false;
    player.playing(false);
    clearInterval(timer);
  }

  load();
  return {
    destroy() {
      stop();
      clearTimeout(changed.timer);
      token += 1;
    },
  };
}
