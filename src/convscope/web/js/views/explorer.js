// Hyperparameter explorer: input size, padding, kernel, stride and dilation of a
// convolution or a max pool; the floor rule (PyTorch), PyTorch's ceil_mode for pools
// and the strict rule side by side, invalid combinations in words next to the
// controls, and the receptive field of every output cell animated on the input.
// All arithmetic comes from GET /api/arith; the settings live in the URL.
import { detailApi } from "../detailapi.js";
import { DEFAULTS, LIMITS, arithQuery, clampSettings, sameSettings, settingsFromLayer, settingsFromState, stateOfSettings, windowFrames } from "../core/explorer.js";
import { el } from "./dom.js";
import { message, playerControls } from "./detail/common.js";

const FRAME_MS = 350;
const LABELS = { size: "input size H = W", kernel: "kernel K", stride: "stride S", padding: "padding P", dilation: "dilation D" };
const MODE_LABELS = { conv: "convolution", pool: "max pooling" };

/** Settings from the layer the explorer was opened on (a conv layer), or the defaults. */
function layerSettings(ctx) {
  const layer = ctx.layer;
  if (!layer || layer.view !== "conv") return { settings: { ...DEFAULTS }, notes: [] };
  const input = ctx.byName.get(layer.inputs[0]);
  return settingsFromLayer(layer, input.output_shape);
}

/** The conv / max pool switch: two radio buttons. */
function modeSwitch(current, onChange) {
  const box = el("fieldset", "explorer-mode");
  box.append(el("legend", "", {}, "window"));
  const radios = {};
  for (const [mode, text] of Object.entries(MODE_LABELS)) {
    const label = el("label", "explorer-mode-option");
    const radio = el("input", "", { type: "radio", name: "mode", value: mode });
    radio.checked = mode === current;
    radio.addEventListener("change", onChange);
    label.append(radio, ` ${text}`);
    radios[mode] = radio;
    box.append(label);
  }
  return { node: box, value: () => (radios.pool.checked ? "pool" : "conv"), set: (mode) => { radios[mode].checked = true; } };
}

function rule(title, body, ok, className = "") {
  const box = el("section", `rule ${ok ? "ok" : "bad"} ${className}`.trim());
  box.append(el("h3", "", {}, title), ...body);
  return box;
}

/** The rule boxes: floor (PyTorch's default), ceil_mode (pools only) and strict. */
function verdictBoxes(answer, ceilAnswer) {
  const { report } = answer;
  const strict = report.strict_rule;
  const out = report.output;
  const boxes = [rule(`Floor rule (PyTorch${ceilAnswer ? ", ceil_mode=False" : ""})`, [el("p", "rule-size", {}, `${out.height}×${out.width}`), el("p", "hint", {}, `${strict.height.fraction}, rounded down: ${strict.height.floor}`)], true, "rule-floor")];
  if (ceilAnswer) {
    const ceil = ceilAnswer.report;
    const why = ceil.steps.find((s) => s.startsWith("Window positions")) ?? "";
    boxes.push(rule("PyTorch ceil_mode=True", [el("p", "rule-size", {}, `${ceil.output.height}×${ceil.output.width}`), el("p", "hint", {}, why)], true, "rule-ceil"));
  }
  boxes.push(rule("Strict rule", [el("p", "rule-size", {}, strict.valid ? `${out.height}×${out.width}` : "invalid"), el("p", strict.valid ? "hint" : "rule-reason", {}, strict.valid ? "the windows tile the padded input exactly" : strict.reason)], strict.valid, "rule-strict"));
  return boxes;
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
  const start = layerSettings(ctx);
  const fromUrl = settingsFromState(ctx.state);
  let settings = fromUrl ?? start.settings;
  let timer = null;
  let frames = [];
  let frame = 0;
  let playing = false;
  let lit = [];
  let token = 0;
  let pending = false; // settings typed but not yet in the URL

  const form = el("form", "explorer-form", { "aria-label": "Layer settings" });
  form.addEventListener("submit", (e) => e.preventDefault());
  const mode = modeSwitch(settings.mode, () => changed());
  form.append(mode.node);
  const inputs = {};
  for (const [key, [lo, hi]] of Object.entries(LIMITS)) {
    const label = el("label", "explorer-field");
    const input = el("input", "", { type: "number", min: String(lo), max: String(hi), step: "1", name: key, value: String(settings[key]) });
    input.addEventListener("input", () => changed());
    inputs[key] = input;
    label.append(el("span", "", {}, LABELS[key]), input);
    form.append(label);
  }
  // Invalid combinations are explained here, beside the settings that caused them.
  const problem = el("div", "explorer-problem", { "aria-live": "polite" });
  form.append(problem);
  const layerNote = start.notes.length ? `From ${ctx.layer.name}: ${start.notes.join("; ")}.` : ctx.layer && ctx.layer.view === "conv" ? `Settings of ${ctx.layer.name}.` : "";
  const notes = el("p", "hint explorer-notes", {}, fromUrl ? "" : layerNote);
  const verdict = el("div", "explorer-verdict", { "aria-live": "polite" });
  const player = playerControls({ onToggle: () => (playing ? stop() : play()), onSkip: () => { stop(); show(frames.length - 1); }, onReplay: () => { frame = 0; play(); } });
  const stage = el("div", "explorer-stage");
  const steps = el("ol", "explorer-steps");
  root.append(form, notes, verdict, player.node, stage, steps);

  function readForm() {
    return clampSettings({ ...Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value])), mode: mode.value() });
  }

  function fillForm() {
    for (const [key, input] of Object.entries(inputs)) input.value = String(settings[key]);
    mode.set(settings.mode);
  }

  function changed() {
    settings = readForm();
    clearTimeout(changed.timer);
    pending = true;
    changed.timer = setTimeout(() => {
      pending = false;
      notes.textContent = "";
      ctx.navigate(stateOfSettings(settings)); // a history entry: back restores the previous settings
      load();
    }, 120);
  }

  async function load() {
    const mine = ++token;
    const query = arithQuery(settings);
    stop();
    try {
      const pool = settings.mode === "pool";
      const [answer, ceilAnswer] = await Promise.all([detailApi.arith(query), pool ? detailApi.arith(arithQuery(settings, { ceil: true })) : null]);
      if (mine !== token) return;
      render(answer, ceilAnswer);
      root.dataset.settings = query; // the settings drawn, set only once they are (tests wait on it)
    } catch (error) {
      if (mine !== token) return;
      root.dataset.settings = query;
      for (const node of [problem, verdict, stage, steps]) node.replaceChildren();
      root.dataset.valid = "impossible";
      player.node.hidden = true; // nothing to animate
      message(problem, `No output at all: ${error.message}`);
    }
  }

  function render(answer, ceilAnswer) {
    const { report, padded, windows } = answer;
    const out = report.output;
    problem.replaceChildren();
    verdict.replaceChildren(...verdictBoxes(answer, ceilAnswer));
    root.dataset.valid = report.strict_rule.valid ? "valid" : "strict-invalid";
    player.node.hidden = false;
    steps.replaceChildren(...report.steps.map((s) => el("li", "", {}, s)));
    const pad = report.padding;
    const input = cellGrid(padded[0], padded[1], pad, "explorer-input");
    const output = cellGrid(windows.rows.length, windows.cols.length, null, "explorer-output");
    const inBox = el("figure", "");
    inBox.append(input.node, el("figcaption", "", {}, `input ${report.input.height}×${report.input.width}${pad.top + pad.left ? `, padded to ${padded[0]}×${padded[1]} (gray: padding, ${settings.mode === "pool" ? "−∞ to the max pool, never picked" : "zeros"})` : ""}`));
    const outBox = el("figure", "");
    outBox.append(output.node, el("figcaption", "", {}, `output ${out.height}×${out.width}${settings.mode === "pool" ? ": the largest value in each window" : ""}`));
    stage.replaceChildren(inBox, el("div", "darrow", { "aria-hidden": "true" }, "→"), outBox);
    // Small inputs get big cells, the largest (32 + 2·8 padded) still fits a narrow screen.
    stage.style.setProperty("--cell", `${Math.max(8, Math.min(24, Math.floor(240 / padded[0])))}px`);
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
    /** The URL changed (back, forward, a link): show its settings, or the starting ones when it has none. */
    position(state) {
      const wanted = settingsFromState(state) ?? start.settings;
      if (pending || sameSettings(wanted, settings)) return;
      settings = wanted;
      fillForm();
      load();
    },
    destroy() {
      stop();
      clearTimeout(changed.timer);
      token += 1;
    },
  };
}
