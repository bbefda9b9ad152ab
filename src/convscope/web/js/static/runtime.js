// The exported site's explain steps, built in the browser: the one sanctioned place
// where ConvScope's browser code computes. Precomputing every step would cost about
// 216 MB per image (convscope export-site), so the export ships each image's traced
// maps, the weights, and per-layer rules written by Python (server/export_site.py):
// which explainer a layer has, the rows and columns each window reads, the divisors,
// the softmax's shown digits. This module multiplies and adds them exactly as the
// library does: products rounded to float32 (Math.fround, like the model's dtype),
// sums in float64, in the library's order, so every payload equals the server's
// /explain, /probabilities, /intermediate and /padded-input answer field for field
// to float32 precision (tests/web/test_static_runtime.py checks it against Python).
// DOM-free: tested in Node.
import { inRange, positionFor, StepError } from "./common.js";
import { explainActivation, explainAdd, explainBatchnorm, explainConcat, explainFlatten, explainLinear, explainPassthrough, explainSoftmax, softmaxParts } from "./values.js";
import { explainConv, explainPool } from "./windows.js";

export { num, StepError } from "./common.js";
export { intermediateMaps, paddedInput } from "./windows.js";

/** Python's explainer names (EXPLAINERS) → the builders here. */
const BUILDERS = {
  explain_conv: explainConv,
  explain_activation: explainActivation,
  explain_pool: explainPool,
  explain_linear: explainLinear,
  explain_flatten: explainFlatten,
  explain_softmax: explainSoftmax,
  explain_batchnorm: explainBatchnorm,
  explain_add: explainAdd,
  explain_concat: explainConcat,
  explain_passthrough: explainPassthrough,
};

/**
 * The layers a step of `layer` reads (its own output and its inputs'), for the loader to fetch first.
 * rules: the model's rules.json; returns {outputs: [names], weights: bool}.
 */
export function needs(rules, layerName) {
  const rule = rules.layers[layerName];
  if (!rule || rule.refusal) return { outputs: [], weights: false };
  return { outputs: [layerName, ...rule.inputs], weights: Boolean(rule.weights) };
}

/**
 * The step payload of one value, as GET …/layers/{layer}/explain answers.
 * model: the model payload; rules: rules.json; params: {channel, y, x} or {index};
 * data: {output(name) -> {shape, data}, weights(name) -> {header, shape, data}, shown(name)}.
 * Example: explainStep(model, rules, "relu_1_1", {channel: 0, y: 0, x: 0}, data).formula -> "max(0, x)"
 */
export function explainStep(model, rules, layerName, params, data) {
  const layer = model.layers.find((l) => l.name === layerName);
  if (!layer) throw new StepError(`unknown layer '${layerName}'; this model's layers are ${model.layers.map((l) => l.name).join(", ")}`, 404);
  const rule = rules.layers[layerName];
  if (!rule || rule.refusal) throw new StepError(rule ? rule.refusal : `no rule for layer '${layerName}'`, 422);
  const build = BUILDERS[rule.explainer];
  if (!build) throw new StepError(`the exported site cannot explain layer '${layerName}' (${layer.kind}); use convscope serve`, 422);
  return build(layer, rule, positionFor(layer, params), data);
}

/** GET …/probabilities: the softmax over the class scores, singling out class `index` (the predicted one when null). */
export function probabilitiesStep(rules, info, index, shown) {
  const rule = rules.probabilities;
  const count = info.logits.length;
  const j = index === null || index === undefined ? info.prediction.index : inRange(index, "index", count, { name: rule.layer }, "classes");
  return {
    step: "softmax",
    layer: rule.layer,
    kind: rule.kind,
    position: { index: j },
    output: info.probabilities[j],
    input_layer: rule.input_layer,
    log: false,
    labels: rule.labels,
    logits: info.logits,
    ...softmaxParts(info.logits, j, false, shown),
  };
}
