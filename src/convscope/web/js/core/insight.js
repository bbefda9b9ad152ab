// The insight page's DOM-free parts: its URL state and the colour of a value on its scale.

export const METHODS = ["gradcam", "gradient", "gradient-x-input", "smoothgrad", "integrated-gradients", "occlusion"];

/** URL search string -> {model, image, layer, klass, method}; unknown methods fall back to Grad-CAM. */
export function readState(search) {
  const params = new URLSearchParams(search);
  const klass = params.get("class");
  const method = params.get("method");
  return {
    model: params.get("model") || null,
    image: params.get("image") || null,
    layer: params.get("layer") || null,
    klass: klass !== null && /^\d+$/.test(klass) ? Number(klass) : null,
    method: METHODS.includes(method) ? method : "gradcam",
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
  return `?${params.toString()}`;
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

/** A number for a reader: 3 significant digits. */
export function fmt(value) {
  return value === null || value === undefined ? "–" : Number(value).toPrecision(3);
}
