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

/** An error the server would answer with a 4xx: the view shows its message. */
export class StepError extends Error {
  constructor(message, status = 400) {
    super(message);
    this.status = status;
  }
}

/** Python's f"{v:.4g}" with a true minus sign (explain.base.num). */
export function num(value) {
  return general4(value).replaceAll("-", "−");
}

function trimZeros(text) {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

/** f"{v:.4g}": four significant digits, scientific below 1e-4 or from 1e4, trailing zeros dropped. */
export function general4(value) {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa, exponentText] = value.toExponential(3).split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 4) {
    const sign = exponent < 0 ? "-" : "+";
    return `${trimZeros(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return trimZeros(value.toFixed(3 - exponent));
}

const f32 = Math.fround;

/** Value at (c, y, x) of a (C, H, W) tensor {shape, data}, or at i of an (F,) one. */
function at(tensor, coords) {
  if (coords.length === 1) return tensor.data[coords[0]];
  const [, h, w] = tensor.shape;
  return tensor.data[(coords[0] * h + coords[1]) * w + coords[2]];
}

function positionDict(position) {
  return position.index !== undefined ? { index: position.index } : { channel: position.channel, y: position.y, x: position.x };
}

function coordsOf(position) {
  return position.index !== undefined ? [position.index] : [position.channel, position.y, position.x];
}

function inRange(value, name, size, layer, what) {
  if (!Number.isInteger(value)) throw new StepError(`${name} must be a whole number, got ${value}; give an int such as 0`);
  if (value < 0 || value >= size) {
    throw new StepError(`${name} ${value} is outside layer '${layer.name}', which has ${size} ${what}; choose ${name} from 0 to ${size - 1}`);
  }
  return value;
}

/** explain.base.position_for: the asked position checked against the layer's output shape. */
export function positionFor(layer, { channel = null, y = null, x = null, index = null }) {
  const shape = layer.output_shape;
  if (shape.length === 3) {
    if (index !== null || channel === null || y === null || x === null) {
      throw new StepError(`layer '${layer.name}' outputs ${shape[0]} maps of ${shape[1]}×${shape[2]}; give channel, y and x (not index)`);
    }
    return { channel: inRange(channel, "channel", shape[0], layer, "channels"), y: inRange(y, "y", shape[1], layer, "rows"), x: inRange(x, "x", shape[2], layer, "columns") };
  }
  if (index === null || channel !== null || y !== null || x !== null) {
    throw new StepError(`layer '${layer.name}' outputs a vector of ${shape[0]} units; give index (not channel, y, x)`);
  }
  return { index: inRange(index, "index", shape[0], layer, "units") };
}

function traced(layer, position, data) {
  return { layer: layer.name, kind: layer.kind, position: positionDict(position), output: at(data.output(layer.name), coordsOf(position)) };
}

/** Where a tap outside 0…size−1 reads its value in each padding mode (explain.conv._source_index). */
export function sourceIndex(tap, size, mode) {
  if (mode === "circular") return ((tap % size) + size) % size;
  if (mode === "reflect") {
    const reflected = Math.abs(tap);
    return reflected >= size ? 2 * (size - 1) - reflected : reflected;
  }
  return Math.min(Math.max(tap, 0), size - 1);
}

/** The group of output channel k and the input channels it reads (arithmetic.group_inputs). */
function groupOf(hyper, k) {
  const perOut = hyper.out_channels / hyper.groups;
  const perIn = hyper.in_channels / hyper.groups;
  const group = Math.floor(k / perOut);
  return { group, first: group * perIn, count: perIn };
}

function explainConv(layer, rule, position, data) {
  const hyper = rule.hyper;
  const { channel: k, y, x } = position;
  const input = data.output(rule.inputs[0]);
  const [, h, w] = input.shape;
  const [kh, kw] = hyper.kernel;
  const weights = data.weights(layer.name);
  const bias = weights.header.bias === null ? null : weights.header.bias[k];
  const rows = rule.windows.rows[y];
  const cols = rule.windows.cols[x];
  const mask = rows.map((r) => cols.map((c) => r < 0 || r >= h || c < 0 || c >= w));
  const mode = hyper.padding_mode;
  const { group, first, count } = groupOf(hyper, k);
  const terms = [];
  let total = 0;
  let scale = 0;
  for (let i = 0; i < count; i += 1) {
    const c = first + i;
    const field = rows.map((r, a) => cols.map((col, b) => (mode === "zeros" && mask[a][b] ? 0 : input.data[(c * h + sourceIndex(r, h, mode)) * w + sourceIndex(col, w, mode)])));
    const kernel = field.map((row, a) => row.map((_, b) => weights.data[((k * count + i) * kh + a) * kw + b]));
    const products = field.map((row, a) => row.map((v, b) => f32(v * kernel[a][b])));
    const sum = products.flat().reduce((s, p) => s + p, 0);
    scale += products.flat().reduce((s, p) => s + Math.abs(p), 0);
    total += sum;
    terms.push({ input_channel: c, receptive_field: field, kernel, products, sum });
  }
  const [dh, dw] = hyper.dilation;
  const [top, , left] = hyper.padding_sides;
  return {
    step: "conv",
    ...traced(layer, position, data),
    computed: total + (bias ?? 0),
    scale: scale + Math.abs(bias ?? 0),
    formula: `out[${k}, ${y}, ${x}] = Σ over c, i, j of in[c, ${rows[0]} + ${dh}·i, ${cols[0]} + ${dw}·j] · w[${k}, c, i, j]${bias !== null ? " + b" : ""}`,
    input_layer: rule.inputs[0],
    group,
    kernel_size: [kh, kw],
    stride: hyper.stride,
    padding: [top, left],
    padding_mode: mode,
    dilation: [dh, dw],
    groups: hyper.groups,
    rows,
    cols,
    padding_mask: mask,
    terms,
    bias,
  };
}

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

function explainActivation(layer, rule, position, data) {
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

function explainPool(layer, rule, position, data) {
  const { channel: c, y, x } = position;
  const input = data.output(rule.inputs[0]);
  const [, h, w] = input.shape;
  const rows = rule.rows[y];
  const cols = rule.cols[x];
  const mask = rows.map((r) => cols.map((col) => r < 0 || r >= h || col < 0 || col >= w));
  const window = rows.map((r, a) => cols.map((col, b) => (mask[a][b] ? 0 : input.data[(c * h + r) * w + col])));
  let parts;
  if (rule.pool === "max") {
    let best = -1;
    let value = -Infinity;
    window.flat().forEach((v, i) => {
      if (!mask.flat()[i] && (best < 0 || v > value)) [best, value] = [i, v];
    });
    const row = Math.floor(best / cols.length);
    parts = { winner: [rows[row], cols[best % cols.length]], sum: null, count: null, divisor: null, computed: value, scale: Math.abs(value), formula: "max over the window's input cells" };
  } else {
    const count = rule.counts.rows[y] * rule.counts.cols[x];
    const divisor = rule.divisor_override ? rule.divisor_override : count;
    const total = window.flat().reduce((s, v) => s + v, 0);
    const magnitude = window.flat().reduce((s, v) => s + Math.abs(v), 0);
    parts = { winner: null, sum: total, count, divisor, computed: total / divisor, scale: magnitude / divisor, formula: "(sum of the window)/divisor" };
  }
  return {
    step: "pool",
    ...traced(layer, position, data),
    computed: parts.computed,
    scale: parts.scale,
    formula: parts.formula,
    input_layer: rule.inputs[0],
    pool: rule.pool,
    adaptive: rule.adaptive,
    rows,
    cols,
    window,
    padding_mask: mask,
    winner: parts.winner,
    sum: parts.sum,
    count: parts.count,
    divisor: parts.divisor,
    settings: rule.settings,
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

function explainLinear(layer, rule, position, data) {
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

function explainFlatten(layer, rule, position, data) {
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
function softmaxParts(logits, j, log, shown) {
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

function explainSoftmax(layer, rule, position, data) {
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

/** Python's explainer names (EXPLAINERS) → the builders here. */
const BUILDERS = {
  explain_conv: explainConv,
  explain_activation: explainActivation,
  explain_pool: explainPool,
  explain_linear: explainLinear,
  explain_flatten: explainFlatten,
  explain_softmax: explainSoftmax,
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

function convSetup(rules, layerName) {
  const rule = rules.layers[layerName];
  if (!rule || rule.explainer !== "explain_conv") throw new StepError(rule && rule.refusal ? rule.refusal : `layer '${layerName}' is not a conv2d layer; intermediate maps and padded inputs exist for conv2d layers only`, 422);
  return rule;
}

/**
 * GET …/layers/{layer}/intermediate: each input channel's kernel slid over that channel alone.
 * Returns {header, shape, data: Float32Array} as decodeTensor gives the server's message.
 */
export function intermediateMaps(model, rules, layerName, channel, inputChannels, data) {
  const rule = convSetup(rules, layerName);
  const layer = model.layers.find((l) => l.name === layerName);
  const hyper = rule.hyper;
  inRange(channel, "channel", layer.output_shape[0], layer, "channels");
  const { first, count } = groupOf(hyper, channel);
  const group = Array.from({ length: count }, (_, i) => first + i);
  const sent = inputChannels ?? group;
  const missing = sent.find((c) => !group.includes(c));
  if (missing !== undefined) throw new StepError(`input channel ${missing} does not feed channel ${channel} of '${layerName}'; choose from ${group[0]}-${group.at(-1)}`);
  const input = data.output(rule.inputs[0]);
  const [, h, w] = input.shape;
  const [, ho, wo] = layer.output_shape;
  const [kh, kw] = hyper.kernel;
  const weights = data.weights(layerName);
  const mode = hyper.padding_mode;
  const out = new Float32Array(sent.length * ho * wo);
  sent.forEach((c, n) => {
    const i = c - first;
    for (let y = 0; y < ho; y += 1) {
      const rows = rule.windows.rows[y];
      for (let x = 0; x < wo; x += 1) {
        const cols = rule.windows.cols[x];
        let sum = 0;
        for (let a = 0; a < kh; a += 1) {
          for (let b = 0; b < kw; b += 1) {
            const r = rows[a];
            const col = cols[b];
            if (mode === "zeros" && (r < 0 || r >= h || col < 0 || col >= w)) continue;
            const v = input.data[(c * h + sourceIndex(r, h, mode)) * w + sourceIndex(col, w, mode)];
            sum += f32(v * weights.data[((channel * count + i) * kh + a) * kw + b]);
          }
        }
        out[(n * ho + y) * wo + x] = sum;
      }
    }
  });
  const header = {
    layer: layerName,
    channel,
    input_layer: rule.inputs[0],
    input_channels: sent,
    group_channels: group,
    bias: weights.header.bias === null ? null : weights.header.bias[channel],
    windows: rule.windows,
    dtype: "float32",
    shape: [sent.length, ho, wo],
  };
  return { header, shape: header.shape, data: out };
}

/** GET …/layers/{layer}/padded-input: a conv layer's input channels with the padding its kernel reads. */
export function paddedInput(rules, layerName, channels, data) {
  const rule = convSetup(rules, layerName);
  const input = data.output(rule.inputs[0]);
  const [cIn, h, w] = input.shape;
  const sent = channels ?? Array.from({ length: cIn }, (_, c) => c);
  const [top, bottom, left, right] = rule.hyper.padding_sides;
  const mode = rule.hyper.padding_mode;
  const ph = h + top + bottom;
  const pw = w + left + right;
  const out = new Float32Array(sent.length * ph * pw);
  sent.forEach((c, n) => {
    for (let r = 0; r < ph; r += 1) {
      for (let col = 0; col < pw; col += 1) {
        const y = r - top;
        const x = col - left;
        const outside = y < 0 || y >= h || x < 0 || x >= w;
        out[(n * ph + r) * pw + col] = mode === "zeros" && outside ? 0 : input.data[(c * h + sourceIndex(y, h, mode)) * w + sourceIndex(x, w, mode)];
      }
    }
  });
  const header = { layer: layerName, input_layer: rule.inputs[0], channels: sent, padding_sides: [top, bottom, left, right], padding_mode: mode, size: [h, w], dtype: "float32", shape: [sent.length, ph, pw] };
  return { header, shape: header.shape, data: out };
}
