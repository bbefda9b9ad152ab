// The hyperparameter explorer's settings: what it draws, the problems it names
// instead of clamping, the /api/arith query, a conv or pooling layer's settings and
// their place in the URL. The arithmetic itself comes from the server.

/**
 * Inclusive bounds of what the explorer draws. Anything outside is never clamped:
 * checkSettings names it, and the arithmetic is still asked for while the server accepts it.
 */
export const LIMITS = {
  size: [1, 256],
  kernel: [1, 15],
  stride: [1, 8],
  padding: [0, 16],
  dilation: [1, 8],
};

/** The most cells a side the explorer draws of the padded input (the server sends its size); "same" padding can exceed it. */
export const MAX_DRAWN_CELLS = 320;

/** What the window does: a convolution, or pooling. */
export const MODES = ["conv", "pool"];

/** Padding that keeps ceil(size/S) outputs, worked out by the server. */
export const SAME = "same";

export const DEFAULTS = { size: 7, kernel: 3, stride: 1, padding: 0, dilation: 1, mode: "conv" };

const WORDS = { size: "input size H", kernel: "kernel K", stride: "stride S", padding: "padding P", dilation: "dilation D" };

/**
 * The URL key of each setting: the letters used everywhere else (H, K, S, P, D), and
 * `op` for the mode. core/urlstate.js lists them in its table.
 */
export const URL_KEYS = { size: "H", kernel: "K", stride: "S", padding: "P", dilation: "D", mode: "op" };

function whole(v) {
  if (v === "" || v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isInteger(n) ? n : null;
}

/**
 * Settings read as typed, with a sentence for each value the explorer cannot use or draw.
 * A value that is not a whole number keeps the default (and is named); one outside LIMITS
 * is kept as it is (and named), so nothing is silently changed.
 * Example: checkSettings({size: 300, kernel: 3, stride: 1, padding: "same", dilation: 1})
 *   -> {settings: {size: 300, …, padding: "same"}, problems: ["input size H 300 is more than the explorer draws (at most 256)"]}
 */
export function checkSettings(raw) {
  const settings = {};
  const problems = [];
  for (const [key, [lo, hi]] of Object.entries(LIMITS)) {
    if (key === "padding" && raw.padding === SAME) {
      settings.padding = SAME;
      continue;
    }
    const n = whole(raw[key]);
    if (n === null) {
      settings[key] = DEFAULTS[key];
      problems.push(`${WORDS[key]} must be a whole number from ${lo} to ${hi}`);
    } else {
      settings[key] = n;
      if (n < lo) problems.push(`${WORDS[key]} ${n} is less than ${lo}`);
      if (n > hi) problems.push(`${WORDS[key]} ${n} is more than the explorer draws (at most ${hi})`);
    }
  }
  settings.mode = MODES.includes(raw.mode) ? raw.mode : DEFAULTS.mode;
  return { settings, problems };
}

/** True when the settings can be sent to the server: whole numbers, none below its minimum. */
export function askable(settings) {
  return Object.entries(LIMITS).every(([key, [lo]]) => (key === "padding" && settings.padding === SAME) || (Number.isInteger(settings[key]) && settings[key] >= lo));
}

/**
 * The query for GET /api/arith: "size=7&kernel=3&stride=1&padding=0&dilation=1", plus
 * "&pool=true" for pooling and "&ceil_mode=true" to ask for PyTorch's ceil_mode; padding may be "same".
 */
export function arithQuery(settings, { ceil = false } = {}) {
  const { settings: s } = checkSettings(settings);
  const params = new URLSearchParams(Object.keys(LIMITS).map((k) => [k, String(s[k])]));
  if (s.mode === "pool") params.set("pool", "true");
  if (s.mode === "pool" && ceil) params.set("ceil_mode", "true");
  return params.toString();
}

/**
 * The explorer's settings kept in app state (`{H, K, S, P, D, op}`), or null when the URL
 * holds none (the explorer then starts from a layer or the defaults). Values are kept as
 * they are: checkSettings says what is wrong with them.
 * Example: settingsFromState({H: 8, K: 2, S: 2, P: null, D: null, op: "pool"})
 *   -> {size: 8, kernel: 2, stride: 2, padding: 0, dilation: 1, mode: "pool"}
 */
export function settingsFromState(state) {
  const keys = Object.entries(URL_KEYS);
  if (keys.every(([key, url]) => state[url] === null || state[url] === undefined || (key === "mode" && state[url] === DEFAULTS.mode))) return null;
  return checkSettings(Object.fromEntries(keys.map(([key, url]) => [key, state[url] ?? DEFAULTS[key]]))).settings;
}

/** The state patch that puts `settings` in the URL; stateOfSettings(null) clears them (the mode to its default, as the URL reads it). */
export function stateOfSettings(settings) {
  const s = settings ? checkSettings(settings).settings : null;
  return Object.fromEntries(Object.entries(URL_KEYS).map(([key, url]) => [url, s ? s[key] : key === "mode" ? DEFAULTS.mode : null]));
}

/** True when two settings objects describe the same combination. */
export function sameSettings(a, b) {
  return Object.keys(URL_KEYS).every((k) => a[k] === b[k]);
}

/** (top, bottom, left, right) padding of a conv layer (padding_sides) or a pool layer (padding: [P_h, P_w]). */
function sidesOf(hyper) {
  if (hyper.padding_sides) return hyper.padding_sides;
  const [ph, pw] = hyper.padding ?? [0, 0];
  return [ph, ph, pw, pw];
}

/**
 * A conv or pooling layer's settings for the explorer, exactly as they are, with notes on
 * what the explorer shows differently (it draws square inputs and one padding per side).
 * layer: {view, hyper} of a conv or pool layer, inputShape: the (C, H, W) of the layer it reads.
 * Example: settingsFromLayer({view: "conv", hyper: {kernel: [3, 3], stride: [1, 1], padding_sides: [1, 1, 1, 1], dilation: [1, 1]}}, [3, 64, 64])
 *   -> {settings: {size: 64, kernel: 3, stride: 1, padding: 1, dilation: 1, mode: "conv"}, notes: []}
 */
export function settingsFromLayer(layer, inputShape) {
  const h = layer.hyper;
  const sides = sidesOf(h);
  const mode = layer.view === "pool" ? "pool" : "conv";
  const settings = { size: inputShape[1], kernel: h.kernel[0], stride: h.stride[0], padding: sides[0], dilation: h.dilation[0], mode };
  const notes = [];
  if (h.kernel[0] !== h.kernel[1] || h.stride[0] !== h.stride[1] || h.dilation[0] !== h.dilation[1] || new Set(sides).size > 1) {
    notes.push("the layer's height settings are shown; its width settings differ");
  }
  if (inputShape[1] !== inputShape[2]) notes.push(`input ${inputShape[1]}×${inputShape[2]} shown as ${inputShape[1]}×${inputShape[1]}`);
  if (h.pool === "avg") notes.push("an average pool: its windows and sizes are the ones shown for pooling");
  if (h.ceil_mode) notes.push("the layer rounds up (ceil_mode=True): its size is the ceil_mode box");
  return { settings, notes };
}

/**
 * The order the receptive-field animation visits windows: [{oy, ox, rows, cols}],
 * rows and cols being the input taps the server sent for output row oy and column ox.
 */
export function windowFrames(windows) {
  return windows.rows.flatMap((rows, oy) => windows.cols.map((cols, ox) => ({ oy, ox, rows, cols })));
}

/**
 * Pixels per cell for a grid of `cells` cells a side drawn in at most `room` pixels:
 * big cells for small inputs, down to 1 pixel (an input of 227 plus padding still fits).
 * Example: cellPixels(9, 240) -> 24; cellPixels(243, 480) -> 1
 */
export function cellPixels(cells, room, largest = 24) {
  return Math.max(1, Math.min(largest, Math.floor(room / cells)));
}
