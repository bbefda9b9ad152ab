// Where each view's explanation panel comes from, and what the panel remembers.
// DOM-free: the server writes the text and picks every number; this only names the
// request for a state and reads quoted numbers back out of a payload.
import { positionOf } from "./detail.js";
import { DEFAULTS, arithQuery, askable, settingsFromLayer, settingsFromState } from "./explorer.js";

const enc = encodeURIComponent;

/** localStorage key of the reader's choice to hide the panels ("hidden") or show them (anything else). */
export const HIDDEN_KEY = "convscope.explanations";

/** True when the reader hid the panels; storage may be missing or refuse (private windows). */
export function panelsHidden(storage) {
  try {
    return storage?.getItem(HIDDEN_KEY) === "hidden";
  } catch {
    return false;
  }
}

/** Remember the choice; a storage that refuses is ignored (the panel still toggles). */
export function rememberHidden(storage, hidden) {
  try {
    storage?.setItem(HIDDEN_KEY, hidden ? "hidden" : "shown");
  } catch {
    /* the choice lasts for this page only */
  }
}

/** The explorer's settings as its view starts from them: the URL's, else the layer's, else the defaults. */
export function explorerSettings(state, layer, byName) {
  const fromUrl = settingsFromState(state);
  if (fromUrl) return fromUrl;
  const input = layer && layer.view === "conv" && byName ? byName.get(layer.inputs[0]) : null;
  return input ? settingsFromLayer(layer, input.output_shape).settings : { ...DEFAULTS };
}

/**
 * The request for the panel of view `name` in `state`, or null when it has none.
 * ctx: {model (id), info ({model, image}) or null, layer ({name, output_shape, view, inputs}) or null, byName}.
 * Example: panelUrl("activation", {channel: 2, y: 3, x: 4, order: "hwc"}, ctx)
 *   -> "api/models/default/traces/abc/layers/relu_1/explanation?channel=2&y=3&x=4&order=hwc"
 */
export function panelUrl(name, state, ctx) {
  const order = state.order === "hwc" ? "hwc" : "chw";
  if (name === "overview") return `api/models/${enc(ctx.model)}/explanation?order=${order}`;
  if (name === "explorer") {
    // Settings the explorer does not send to the server (a kernel of 0) get no panel either: the view names the problem.
    const settings = explorerSettings(state, ctx.layer, ctx.byName);
    return askable(settings) ? `api/explanation/explorer?${arithQuery(settings)}` : null;
  }
  if (!ctx.info) return null;
  const base = `api/models/${enc(ctx.info.model)}/traces/${enc(ctx.info.image)}`;
  if (name === "softmax") return `${base}/probabilities/explanation${state.channel === null || state.channel === undefined ? "" : `?index=${state.channel}`}`;
  if (!ctx.layer) return null;
  const params = new URLSearchParams(Object.entries(positionOf(ctx.layer.output_shape, state)).map(([k, v]) => [k, String(v)]));
  if (name === "formula" && state.input !== null && state.input !== undefined) params.set("input", String(state.input));
  params.set("order", order);
  return `${base}/layers/${enc(ctx.layer.name)}/explanation?${params}`;
}

/**
 * The value at a dotted field path of a payload ("terms.0.sum"), or undefined when it is not there.
 * Example: fieldValue({terms: [{sum: 0.5}]}, "terms.0.sum") -> 0.5
 */
export function fieldValue(payload, path) {
  return path.split(".").reduce((node, key) => (node === null || node === undefined ? undefined : node[key]), payload);
}

/** Every quoted number of a panel: [{text, value, field}], in reading order. */
export function quotedNumbers(panel) {
  return panel.worked.flat().filter((segment) => typeof segment === "object" && segment !== null);
}
