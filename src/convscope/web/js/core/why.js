// "Why this class?" inside the explainer (view=why): which attribution the URL state asks the
// server for, the class picker's order, and the link into the view. No DOM, no fetch; the map and
// its trust numbers all come from the server's attribution route.
import { defaultState, encodeState } from "./urlstate.js";

/**
 * The attribution route's query for a state: class (absent: the predicted one), method (absent:
 * the server's default), and Grad-CAM's layer when it is one of the spatial layers the server
 * offers (absent: the server's default, the last of them; methods that read no layer ignore it).
 * Example: attributionParams({class: 3, method: "gradcam", layer: "conv_2"}, ["conv_1", "conv_2"])
 *   -> {class: 3, method: "gradcam", layer: "conv_2"}
 */
export function attributionParams(state, spatial, methods) {
  const method = methods.includes(state.method) ? state.method : null;
  const params = {};
  if (state.class !== null && state.class !== undefined) params.class = state.class;
  if (method) params.method = method;
  if (spatial.includes(state.layer)) params.layer = state.layer;
  return params;
}

/** Class indices by probability, highest first (ties: the lower index first). */
export function classOrder(probabilities) {
  return probabilities.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, i]) => i);
}

/** The explainer's URL opening the view on class `klass` of an image (method and layer: the server's defaults). */
export function whyHref(model, image, klass) {
  return encodeState({ ...defaultState(), model, image, view: "why", class: klass });
}

/** The state patch that opens the view on class `klass`, from wherever the explainer is. */
export function whyPatch(klass) {
  return { view: "why", class: klass, y: null, x: null, input: null };
}
