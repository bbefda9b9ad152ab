// The hyperparameter explorer's settings: limits, clamping, the /api/arith query
// and a conv layer's settings. The arithmetic itself comes from the server.

/** Inclusive bounds of each setting (input size up to 32, as the issue asks). */
export const LIMITS = {
  size: [1, 32],
  kernel: [1, 11],
  stride: [1, 8],
  padding: [0, 8],
  dilation: [1, 5],
};

export const DEFAULTS = { size: 7, kernel: 3, stride: 1, padding: 0, dilation: 1 };

/** Whole numbers inside LIMITS; anything unreadable takes the default. */
export function clampSettings(settings) {
  const out = {};
  for (const [key, [lo, hi]] of Object.entries(LIMITS)) {
    const n = Math.round(Number(settings[key]));
    out[key] = Number.isFinite(n) ? Math.max(lo, Math.min(hi, n)) : DEFAULTS[key];
  }
  return out;
}

/** "size=7&kernel=3&stride=1&padding=0&dilation=1" for GET /api/arith. */
export function arithQuery(settings) {
  const s = clampSettings(settings);
  return new URLSearchParams(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, String(v)]))).toString();
}

/**
 * A conv layer's settings for the explorer, with notes on what had to change to fit it.
 * layer: {kind, hyper}, inputShape: the (C, H, W) of the layer it reads.
 * Example: settingsFromLayer({kind: "conv2d", hyper: {kernel: [3, 3], stride: [1, 1], padding_sides: [1, 1, 1, 1], dilation: [1, 1]}}, [3, 64, 64])
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
