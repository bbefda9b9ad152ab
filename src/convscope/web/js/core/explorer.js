// The hyperparameter explorer's settings: limits, clamping, the /api/arith query,
// a conv layer's settings and their place in the URL. The arithmetic itself comes
// from the server.

/** Inclusive bounds of each setting (input size up to 32, as the issue asks). */
export const LIMITS = {
  size: [1, 32],
  kernel: [1, 11],
  stride: [1, 8],
  padding: [0, 8],
  dilation: [1, 5],
};

/** What the window does: a convolution, or max pooling. */
export const MODES = ["conv", "pool"];

export const DEFAULTS = { size: 7, kernel: 3, stride: 1, padding: 0, dilation: 1, mode: "conv" };

/**
 * The URL key of each setting: the letters used everywhere else (H, K, S, P, D), and
 * `op` for the mode. core/urlstate.js lists them in its table.
 */
export const URL_KEYS = { size: "H", kernel: "K", stride: "S", padding: "P", dilation: "D", mode: "op" };

/** Whole numbers inside LIMITS and a known mode; anything unreadable takes the default. */
export function clampSettings(settings) {
  const out = {};
  for (const [key, [lo, hi]] of Object.entries(LIMITS)) {
    const n = Math.round(Number(settings[key]));
    out[key] = Number.isFinite(n) ? Math.max(lo, Math.min(hi, n)) : DEFAULTS[key];
  }
  out.mode = MODES.includes(settings.mode) ? settings.mode : DEFAULTS.mode;
  return out;
}

/**
 * The query for GET /api/arith: "size=7&kernel=3&stride=1&padding=0&dilation=1", plus
 * "&pool=true" for pooling and "&ceil_mode=true" to ask for PyTorch's ceil_mode.
 */
export function arithQuery(settings, { ceil = false } = {}) {
  const s = clampSettings(settings);
  const params = new URLSearchParams(Object.keys(LIMITS).map((k) => [k, String(s[k])]));
  if (s.mode === "pool") params.set("pool", "true");
  if (s.mode === "pool" && ceil) params.set("ceil_mode", "true");
  return params.toString();
}

/**
 * The explorer's settings kept in app state (`{H, K, S, P, D, op}`), or null when the URL
 * holds none (the explorer then starts from a layer or the defaults).
 * Example: settingsFromState({H: 8, K: 2, S: 2, P: null, D: null, op: "pool"})
 *   -> {size: 8, kernel: 2, stride: 2, padding: 0, dilation: 1, mode: "pool"}
 */
export function settingsFromState(state) {
  const keys = Object.entries(URL_KEYS);
  if (keys.every(([key, url]) => state[url] === null || state[url] === undefined || (key === "mode" && state[url] === DEFAULTS.mode))) return null;
  return clampSettings(Object.fromEntries(keys.map(([key, url]) => [key, state[url] ?? DEFAULTS[key]])));
}

/** The state patch that puts `settings` in the URL; stateOfSettings(null) clears them (the mode to its default, as the URL reads it). */
export function stateOfSettings(settings) {
  const s = settings ? clampSettings(settings) : null;
  return Object.fromEntries(Object.entries(URL_KEYS).map(([key, url]) => [url, s ? s[key] : key === "mode" ? DEFAULTS.mode : null]));
}

/** True when two settings objects describe the same combination. */
export function sameSettings(a, b) {
  return Object.keys(URL_KEYS).every((k) => a[k] === b[k]);
}

/**
 * A conv layer's settings for the explorer, with notes on what had to change to fit it.
 * layer: {hyper} of a conv layer, inputShape: the (C, H, W) of the layer it reads.
 * Example: settingsFromLayer({hyper: {kernel: [3, 3], stride: [1, 1], padding_sides: [1, 1, 1, 1], dilation: [1, 1]}}, [3, 64, 64])
 *   -> {settings: {size: 32, kernel: 3, stride: 1, padding: 1, dilation: 1}, notes: ["input 64 shown as 32 …"]}
 */
export function settingsFromLayer(layer, inputShape) {
  const h = layer.hyper;
  const sides = h.padding_sides ?? [h.padding?.[0] ?? 0, 0, 0, 0];
  const wanted = { size: inputShape[1], kernel: h.kernel[0], stride: h.stride[0], padding: sides[0], dilation: h.dilation[0] };
  const settings = clampSettings(wanted);
  const notes = [];
  for (const key of Object.keys(LIMITS)) {
    if (settings[key] !== wanted[key]) notes.push(`${key} ${wanted[key]} shown as ${settings[key]} (the explorer's limit)`);
  }
  if (h.kernel[0] !== h.kernel[1] || h.stride[0] !== h.stride[1] || h.dilation[0] !== h.dilation[1] || new Set(sides).size > 1) {
    notes.push("the layer's height settings are shown; its width settings differ");
  }
  if (inputShape[1] !== inputShape[2]) notes.push(`input ${inputShape[1]}×${inputShape[2]} shown as a square`);
  return { settings, notes };
}

/**
 * The order the receptive-field animation visits windows: [{oy, ox, rows, cols}],
 * rows and cols being the input taps the server sent for output row oy and column ox.
 */
export function windowFrames(windows) {
  return windows.rows.flatMap((rows, oy) => windows.cols.map((cols, ox) => ({ oy, ox, rows, cols })));
}
