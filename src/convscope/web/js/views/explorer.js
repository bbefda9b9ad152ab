// Hyperparameter explorer: input size (up to 256), padding (a number or "same"),
// kernel, stride and dilation of a convolution or a pool; the floor rule (PyTorch),
// PyTorch's ceil_mode for pools and the strict rule side by side, problems in words
// next to the controls (never a silent clamp), and every output cell's receptive
// field played on the input, drawn on canvases so large grids stay cheap.
// All arithmetic comes from GET /api/arith; the settings live in the URL.
import { DEFAULTS, LIMITS, MAX_DRAWN_CELLS, SAME, arithQuery, askable, cellPixels, checkSettings, sameSettings, settingsFromLayer, settingsFromState, stateOfSettings, windowFrames } from "../core/explorer.js";
import { indexOf } from "../core/player.js";
import { cellCanvas } from "./cellcanvas.js";
import { el } from "./dom.js";
import { message } from "./detail/common.js";
import { createPlayer } from "./detail/player.js";

const LABELS = { size: "input size H = W", kernel: "kernel K", stride: "stride S", padding: "padding P", dilation: "dilation D" };
const MODE_LABELS = { conv: "convolution", pool: "pooling" };

/** A layer the explorer can open with: a conv or pooling layer reading one (C, H, W) map. */
function explorable(ctx) {
  const layer = ctx.layer;
  return layer && (layer.view === "conv" || layer.view === "pool") && layer.hyper && layer.hyper.kernel ? layer : null;
}

/** Settings from the layer the explorer was opened on (a conv or pooling layer), or the defaults. */
function layerSettings(ctx) {
  const layer = explorable(ctx);
  if (!layer) return { settings: { ...DEFAULTS }, notes: [] };
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

/** The room a grid may take: the stage's width, shared by the input and the output. */
function room() {
  return Math.max(200, Math.min(560, Math.floor((window.innerWidth - 160) / 2)));
}

export function open(root, ctx) {
  const start = layerSettings(ctx);
  const fromUrl = settingsFromState(ctx.state);
  let settings = fromUrl ?? start.settings;
  let frames = [];
  let player = null;
  let token = 0;
  let pending = false; // settings typed but not yet in the URL

  const form = el("form", "explorer-form", { "aria-label": "Layer settings" });
  form.addEventListener("submit", (e) => e.preventDefault());
  const mode = modeSwitch(settings.mode, () => changed());
  form.append(mode.node);
  const inputs = {};
  for (const [key, [lo, hi]] of Object.entries(LIMITS)) {
    const label = el("label", "explorer-field");
    const input = el("input", "", { type: "number", min: String(lo), max: String(hi), step: "1", name: key, value: String(settings[key] === SAME ? 0 : settings[key]) });
    input.addEventListener("input", () => changed());
    inputs[key] = input;
    label.append(el("span", "", {}, LABELS[key]), input);
    form.append(label);
  }
  // "same": the server works out the padding (and says when no single P gives it).
  const sameLabel = el("label", "explorer-same");
  const same = el("input", "", { type: "checkbox", name: "same" });
  same.checked = settings.padding === SAME;
  inputs.padding.disabled = same.checked;
  same.addEventListener("change", () => {
    inputs.padding.disabled = same.checked;
    changed();
  });
  sameLabel.append(same, " same padding");
  form.append(sameLabel);
  // Problems are explained here, beside the settings that caused them.
  const problem = el("div", "explorer-problem", { "aria-live": "polite" });
  form.append(problem);
  const layer = explorable(ctx);
  const layerNote = layer ? `Settings of ${layer.name}${start.notes.length ? `: ${start.notes.join("; ")}` : ""}.` : "";
  const notes = el("p", "hint explorer-notes", {}, fromUrl ? "" : layerNote);
  const verdict = el("div", "explorer-verdict", { "aria-live": "polite" });
  const playerSlot = el("div", "explorer-player");
  const stage = el("div", "explorer-stage");
  const steps = el("ol", "explorer-steps");
  root.append(form, notes, verdict, playerSlot, stage, steps);

  function readForm() {
    const typed = Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value]));
    return checkSettings({ ...typed, padding: same.checked ? SAME : typed.padding, mode: mode.value() });
  }

  function fillForm() {
    for (const [key, input] of Object.entries(inputs)) if (settings[key] !== SAME) input.value = String(settings[key]);
    same.checked = settings.padding === SAME;
    inputs.padding.disabled = same.checked;
    mode.set(settings.mode);
  }

  function changed() {
    settings = readForm().settings;
    clearTimeout(changed.timer);
    pending = true;
    changed.timer = setTimeout(() => {
      pending = false;
      notes.textContent = "";
      ctx.navigate(stateOfSettings(settings)); // a history entry: back restores the previous settings
      load();
    }, 120);
  }

  function clearStage() {
    if (player) player.destroy();
    player = null;
    playerSlot.replaceChildren();
    stage.replaceChildren();
  }

  async function load() {
    const mine = ++token;
    const query = arithQuery(settings);
    const { problems } = checkSettings(settings);
    clearStage();
    problem.replaceChildren();
    if (!askable(settings)) {
      for (const node of [verdict, steps]) node.replaceChildren();
      message(problem, `Nothing to work out: ${problems.join("; ")}.`);
      root.dataset.valid = "unreadable";
      root.dataset.settings = query;
      return;
    }
    try {
      const pool = settings.mode === "pool";
      const [answer, ceilAnswer] = await Promise.all([ctx.api.arith(query), pool ? ctx.api.arith(arithQuery(settings, { ceil: true })) : null]);
      if (mine !== token) return;
      render(answer, ceilAnswer, problems);
      root.dataset.settings = query; // the settings drawn, set only once they are (tests wait on it)
    } catch (error) {
      if (mine !== token) return;
      root.dataset.settings = query;
      for (const node of [verdict, steps]) node.replaceChildren();
      root.dataset.valid = "impossible";
      message(problem, `No output at all: ${error.message}`);
    }
  }

  /** What "same" padding came to, and why it is impossible as one P when it is. */
  function sameNote(report) {
    const s = report.same_padding;
    if (!s) return;
    if (s.symmetric) {
      message(problem, `Same padding here is P = ${s.top}: the output keeps ceil(H/S) positions.`, "info").classList.add("same-possible");
    } else {
      message(problem, `Same padding is impossible as one number P here: ${s.reason}.`, "warning").classList.add("same-impossible");
    }
  }

  function render(answer, ceilAnswer, problems) {
    const { report, padded, windows } = answer;
    const out = report.output;
    verdict.replaceChildren(...verdictBoxes(answer, ceilAnswer));
    root.dataset.valid = report.strict_rule.valid ? "valid" : "strict-invalid";
    steps.replaceChildren(...report.steps.map((s) => el("li", "", {}, s)));
    sameNote(report);
    const tooBig = problems.length ? problems : Math.max(...padded) > MAX_DRAWN_CELLS ? [`the padded input ${padded[0]}×${padded[1]} is more than the explorer draws (at most ${MAX_DRAWN_CELLS} cells a side)`] : [];
    if (tooBig.length) {
      // The arithmetic above still holds; only the picture is left out, and it says why.
      message(stage, `The grids are not drawn: ${tooBig.join("; ")}. The sizes and steps are the server's answer for exactly these settings.`, "info").classList.add("explorer-undrawn");
      return;
    }
    const pad = report.padding;
    const px = cellPixels(Math.max(padded[0], padded[1]), room());
    const input = cellCanvas(padded[0], padded[1], px, pad, "explorer-input");
    const output = cellCanvas(windows.rows.length, windows.cols.length, px, null, "explorer-output");
    const inBox = el("figure", "");
    const padWords = pad.top + pad.bottom + pad.left + pad.right ? `, padded to ${padded[0]}×${padded[1]} (gray: padding, ${settings.mode === "pool" ? "never picked by a max pool" : "zeros"})` : "";
    inBox.append(input.node, el("figcaption", "", {}, `input ${report.input.height}×${report.input.width}${padWords}`));
    const outBox = el("figure", "");
    outBox.append(output.node, el("figcaption", "", {}, `output ${out.height}×${out.width}`));
    const cols = windows.cols.length;
    frames = windowFrames(windows).map((f) => ({
      ...f,
      taps: f.rows.flatMap((r) => f.cols.map((c) => [r + pad.top, c + pad.left])),
      box: { top: Math.min(...f.rows) + pad.top, left: Math.min(...f.cols) + pad.left, height: Math.max(...f.rows) - Math.min(...f.rows) + 1, width: Math.max(...f.cols) - Math.min(...f.cols) + 1 },
    }));
    player = createPlayer({
      count: frames.length,
      start: 0,
      root,
      load: (i) => frames[i],
      show(i, f) {
        input.light(f.taps, f.box);
        output.current(f.oy, f.ox);
        stage.dataset.frame = `${f.oy},${f.ox}`;
      },
      label: (i) => `output (y ${frames[i].oy}, x ${frames[i].ox}) · window ${i + 1} of ${frames.length}`,
    });
    output.node.addEventListener("mousemove", (e) => {
      const [r, c] = output.cellAt(e);
      player.seek(indexOf(r, c, cols), "hover");
    });
    playerSlot.append(player.node);
    stage.replaceChildren(inBox, el("div", "darrow", { "aria-hidden": "true" }, "→"), outBox);
    player.seek(0, "step").then(() => player && player.play());
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
      clearStage();
      clearTimeout(changed.timer);
      token += 1;
    },
  };
}
