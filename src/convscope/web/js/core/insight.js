// The insight page's DOM-free parts: its URL state and the colour of a value on its scale.

export const METHODS = ["gradcam", "gradient", "gradient-x-input", "smoothgrad", "integrated-gradients", "occlusion"];

const index = (text) => (text !== null && /^\d+$/.test(text) ? Number(text) : null);

/**
 * URL search string -> {model, image, layer, klass, method, channel}; unknown methods fall back to
 * Grad-CAM. `channel` (with `layer`) is the feature visualisation's channel.
 */
export function readState(search) {
  const params = new URLSearchParams(search);
  const method = params.get("method");
  return {
    model: params.get("model") || null,
    image: params.get("image") || null,
    layer: params.get("layer") || null,
    klass: index(params.get("class")),
    method: METHODS.includes(method) ? method : "gradcam",
    channel: index(params.get("channel")),
  };
}

/** The state as a search string, leaving out what is unset. */
export function writeState(state) {
  const params = new URLSearchParams();
  if (state.model) params.set("model", state.model);
  if (state.image) params.set("image", state.image);
  if (state.layer) params.set("layer", state.layer);
  if (state.klass !== null && state.klass !== undefined) params.set("class", String(state.klass));
  if (state.method) params.set("method", state.method);
  if (state.channel !== null && state.channel !== undefined) params.set("channel", String(state.channel));
  return `?${params.toString()}`;
}

/** The Insight page explaining class `klass` of an image (Grad-CAM unless `method`; `layer`: Grad-CAM's). */
export function whyLink(model, image, klass, method = "gradcam", layer = null) {
  return `insight${writeState({ model, image, klass, method, layer })}`;
}

/** RGB of a value: blue (−scale) · white (0) · red (+scale) when signed, white to red otherwise. */
export function colourOf(value, low, high, signed) {
  if (signed) {
    const scale = Math.max(Math.abs(low), Math.abs(high)) || 1;
    const t = Math.max(-1, Math.min(1, value / scale));
    return t >= 0 ? [255, Math.round(255 * (1 - t)), Math.round(255 * (1 - t))] : [Math.round(255 * (1 + t)), Math.round(255 * (1 + t)), 255];
  }
  const t = high > low ? Math.max(0, Math.min(1, (value - low) / (high - low))) : 0;
  return [255, Math.round(255 * (1 - t)), Math.round(255 * (1 - t))];
}

/**
 * Where a legend's labels sit along its bar (0 left … 1 right): −scale, 0, +scale when
 * signed (scale = the larger |end|), else low and high.
 */
export function legendTicks(low, high, signed) {
  if (!signed) return [{ value: low, at: 0 }, { value: high, at: 1 }];
  const scale = Math.max(Math.abs(low), Math.abs(high)) || 1;
  return [{ value: -scale, at: 0 }, { value: 0, at: 0.5 }, { value: scale, at: 1 }];
}

/** The value a legend's bar shows at `at` (0 … 1), matching legendTicks. */
export function legendValue(at, low, high, signed) {
  if (!signed) return low + at * (high - low);
  const scale = Math.max(Math.abs(low), Math.abs(high)) || 1;
  return (2 * at - 1) * scale;
}

/** The cell {y, x} of a rows × cols grid drawn `width` × `height` pixels under the point (px, py); null outside. */
export function cellAt(px, py, width, height, rows, cols) {
  if (!(width > 0 && height > 0) || px < 0 || py < 0 || px >= width || py >= height) return null;
  return { y: Math.min(rows - 1, Math.floor((py / height) * rows)), x: Math.min(cols - 1, Math.floor((px / width) * cols)) };
}

/** A number for a reader: 3 significant digits. */
export function fmt(value) {
  return value === null || value === undefined ? "–" : Number(value).toPrecision(3);
}
