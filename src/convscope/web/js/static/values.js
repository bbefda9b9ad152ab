// The value steps of the exported site's runtime (see runtime.js): activations, batchnorm,
// adds, concatenation, pass-through, flatten, fully connected and softmax.
import { at, coordsOf, f32, num, positionDict, readds, StepError, traced } from "./common.js";

function sigmoid(x) {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** The activation functions by the formula Python names them with (explain.activation.RULES). */
const ACTIVATIONS = {
  "max(0, x)": (x) => ({ worked: `max(0, ${num(x)})`, value: Math.max(0, x), scale: Math.abs(x) }),
  "min(max(0, x), 6)": (x) => ({ worked: `min(max(0, ${num(x)}), 6)`, value: Math.min(Math.max(0, x), 6), scale: Math.abs(x) }),
  "x if x ≥ 0, else a·x": (x, p) => {
    const a = p.negative_slope;
    return x >= 0 ? { worked: `${num(x)} (x ≥ 0)`, value: x, scale: Math.abs(x) } : { worked: `${num(a)}·${num(x)}`, value: a * x, scale: Math.abs(a * x) };
  },
  "x if x > 0, else α·(eˣ − 1)": (x, p) => {
    const a = p.alpha;
    return x > 0 ? { worked: `${num(x)} (x > 0)`, value: x, scale: Math.abs(x) } : { worked: `${num(a)}·(e^${num(x)} − 1)`, value: a * Math.expm1(x), scale: Math.abs(a) * (1 + Math.exp(x)) };
  },
  "½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))": (x) => {
    const inner = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3);
    return { worked: `½·${num(x)}·(1 + tanh(${num(inner)}))`, value: 0.5 * x * (1 + Math.tanh(inner)), scale: Math.abs(x) };
  },
  "σ(x) = 1/(1 + e^−x)": (x) => {
    const value = sigmoid(x);
    return { worked: `1/(1 + e^${num(-x)})`, value, scale: Math.abs(value) };
  },
  "tanh(x) = (eˣ − e^−x)/(eˣ + e^−x)": (x) => {
    const value = Math.tanh(x);
    return { worked: `tanh(${num(x)})`, value, scale: Math.abs(value) };
  },
  "x·σ(x) = x/(1 + e^−x)": (x) => {
    const s = sigmoid(x);
    return { worked: `${num(x)}·${num(s)}`, value: x * s, scale: Math.abs(x * s) };
  },
  "x·min(max(0, x + 3), 6)/6": (x) => {
    const gate = Math.min(Math.max(0, x + 3), 6);
    return { worked: `${num(x)}·${num(gate)}/6`, value: (x * gate) / 6, scale: (Math.abs(x) * (Math.abs(x) + 3)) / 6 };
  },
};

export function explainActivation(layer, rule, position, data) {
  const evaluate = ACTIVATIONS[rule.formula];
  if (!evaluate) throw new StepError(`the exported site cannot evaluate '${rule.formula}' of layer '${layer.name}'; use convscope serve`, 422);
  const input = at(data.output(rule.inputs[0]), coordsOf(position));
  const result = evaluate(input, rule.parameters);
  return {
    step: "activation",
    ...traced(layer, position, data),
    computed: result.value,
    scale: result.scale,
    formula: rule.formula,
    input_layer: rule.inputs[0],
    input,
    worked: `${result.worked} = ${num(result.value)}`,
    parameters: rule.parameters,
  };
}

/** Flattening's index rule, i = c·H·W + y·W + x, both ways, and the channels-last index. */
function flatToChw([, h, w], i) {
  const c = Math.floor(i / (h * w));
  const rest = i - c * h * w;
  return [c, Math.floor(rest / w), rest % w];
}

function chwToHwc([channels, , w], c, y, x) {
  return (y * w + x) * channels + c;
}

/** How many of the largest products by magnitude a linear step lists (explain.linear.TOP_CONTRIBUTIONS). */
const TOP_CONTRIBUTIONS = 10;

export function explainLinear(layer, rule, position, data) {
  const j = position.index;
  const inputs = Array.from(data.output(rule.inputs[0]).data);
  const weights = data.weights(layer.name);
  const fIn = weights.shape[1];
  const row = Array.from(weights.data.subarray(j * fIn, (j + 1) * fIn));
  const products = inputs.map((v, i) => f32(v * row[i]));
  const bias = weights.header.bias === null ? null : weights.header.bias[j];
  // topk by magnitude, largest first; equal magnitudes by index
  const order = products.map((p, i) => i).sort((a, b) => Math.abs(products[b]) - Math.abs(products[a]) || a - b).slice(0, Math.min(TOP_CONTRIBUTIONS, products.length));
  const shape = rule.source_shape;
  const top = order.map((i) => {
    const source = shape ? flatToChw(shape, i) : null;
    return { input_index: i, input: inputs[i], weight: row[i], product: products[i], source, hwc_index: source ? chwToHwc(shape, ...source) : null };
  });
  return {
    step: "linear",
    ...traced(layer, position, data),
    computed: products.reduce((s, p) => s + p, 0) + (bias ?? 0),
    scale: products.reduce((s, p) => s + Math.abs(p), 0) + Math.abs(bias ?? 0),
    formula: `out[${j}] = Σ_i w[${j}, i]·x[i]${bias !== null ? ` + b[${j}]` : ""}`,
    input_layer: rule.inputs[0],
    label: rule.labels ? rule.labels[j] : null,
    inputs,
    weights: row,
    products,
    bias,
    top,
    source_layer: rule.source_layer,
    source_shape: shape,
  };
}

export function explainFlatten(layer, rule, position, data) {
  const shape = rule.input_shape;
  const [c, y, x] = flatToChw(shape, position.index);
  const value = at(data.output(rule.inputs[0]), [c, y, x]);
  return {
    step: rule.step,
    ...traced(layer, position, data),
    computed: value,
    scale: Math.abs(value),
    formula: "i = c·H·W + y·W + x",
    input_layer: rule.inputs[0],
    input_shape: shape,
    source: { channel: c, y, x },
    hwc_index: chwToHwc(shape, c, y, x),
  };
}

/** explain.softmax._parts: exp terms after subtracting the largest logit, their sum, the probabilities. */
export function softmaxParts(logits, j, log, shown) {
  const shift = Math.max(...logits);
  const terms = logits.map((z) => Math.exp(z - shift));
  const total = terms.reduce((s, t) => s + t, 0);
  const probabilities = terms.map((t) => t / total);
  const zj = logits[j];
  let computed;
  let scale;
  let formula;
  if (log) {
    computed = zj - shift - Math.log(total);
    scale = Math.abs(zj) + Math.abs(shift) + Math.abs(Math.log(total));
    formula = `log p_${j} = z_${j} − m − log Σ_i exp(z_i − m)`;
  } else {
    computed = probabilities[j];
    const spread = probabilities.reduce((s, p, i) => s + p * Math.abs(logits[i] - shift), 0);
    scale = computed * (1 + Math.abs(zj - shift) + spread);
    formula = `p_${j} = exp(z_${j} − m)/Σ_i exp(z_i − m)`;
  }
  return { shift, exp_terms: terms, exp_sum: total, probabilities, computed, scale, formula, shown };
}

export function explainSoftmax(layer, rule, position, data) {
  const source = rule.inputs[0];
  const logits = Array.from(data.output(source).data);
  return {
    step: "softmax",
    ...traced(layer, position, data),
    input_layer: source,
    log: rule.log,
    labels: rule.labels,
    logits,
    ...softmaxParts(logits, position.index, rule.log, data.shown(source)),
  };
}

export function explainBatchnorm(layer, rule, position, data) {
  const c = position.channel;
  const input = at(data.output(rule.inputs[0]), coordsOf(position));
  const [mean, variance, gamma, beta, eps] = [rule.mean[c], rule.var[c], rule.gamma[c], rule.beta[c], rule.eps];
  const std = Math.sqrt(variance + eps);
  const normalised = (input - mean) / std;
  const result = normalised * gamma + beta;
  return {
    step: "batchnorm",
    ...traced(layer, position, data),
    computed: result,
    scale: Math.abs((input * gamma) / std) + Math.abs((mean * gamma) / std) + Math.abs(beta),
    formula: "(x − μ)/√(σ² + ε)·γ + β",
    input_layer: rule.inputs[0],
    input,
    mean,
    var: variance,
    eps,
    gamma,
    beta,
    std,
    normalised,
    statistics: rule.statistics,
    worked: `(${num(input)} − ${num(mean)})/√(${num(variance)} + ${num(eps)})·${num(gamma)} + ${num(beta)} = ${num(normalised)}·${num(gamma)} + ${num(beta)} = ${num(result)}`,
  };
}

export function explainAdd(layer, rule, position, data) {
  const coords = coordsOf(position);
  const terms = rule.inputs.map((name) => ({ layer: name, value: at(data.output(name), coords) }));
  const base = traced(layer, position, data);
  const computed = terms.reduce((s, t) => s + t.value, 0);
  const scale = terms.reduce((s, t) => s + Math.abs(t.value), 0);
  if (!readds(computed, base.output, scale, 1e-3)) {
    throw new StepError(`layer '${layer.name}' adds terms that are not layer outputs (a constant, a scale factor, or one tensor added to itself); ConvScope explains sums of distinct layers only`, 422);
  }
  return { step: "add", ...base, computed, scale, formula: rule.formula, terms };
}

export function explainConcat(layer, rule, position, data) {
  const coords = coordsOf(position);
  const [name, first] = rule.spans.find(([, a, b]) => a <= coords[rule.axis] && coords[rule.axis] < b);
  const moved = coords.map((v, i) => (i === rule.axis ? v - first : v));
  const value = at(data.output(name), moved);
  const source = moved.length === 1 ? { index: moved[0] } : { channel: moved[0], y: moved[1], x: moved[2] };
  return { step: rule.step, ...traced(layer, position, data), computed: value, scale: Math.abs(value), formula: rule.formula, axis: rule.axis, spans: rule.spans, source_layer: name, source };
}

/** Dropout and identity copy the value; zero padding shows input (y − P_top, x − P_left) or an added zero. */
export function explainPassthrough(layer, rule, position, data) {
  const input = data.output(rule.inputs[0]);
  let source = position;
  let note = rule.note;
  if (rule.top !== undefined) {
    const [, h, w] = input.shape;
    const [y, x] = [position.y - rule.top, position.x - rule.left];
    const inside = y >= 0 && y < h && x >= 0 && x < w;
    source = inside ? { channel: position.channel, y, x } : null;
    note = rule.notes[inside ? 0 : 1];
  }
  const value = source ? at(input, coordsOf(source)) : 0;
  return {
    step: rule.step,
    ...traced(layer, position, data),
    computed: value,
    scale: Math.abs(value),
    formula: source ? "out = in" : "out = 0",
    input_layer: rule.inputs[0],
    source: source ? positionDict(source) : null,
    note,
  };
}
