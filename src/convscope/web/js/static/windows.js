// The window steps of the exported site's runtime (see runtime.js): convolution and pooling,
// whose windows' rows and columns come from Python (export_site.py); here only the values
// under them are read, multiplied (rounded to float32) and added (in float64).
import { f32, inRange, StepError, traced } from "./common.js";

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
export function groupOf(hyper, k) {
  const perOut = hyper.out_channels / hyper.groups;
  const perIn = hyper.in_channels / hyper.groups;
  const group = Math.floor(k / perOut);
  return { group, first: group * perIn, count: perIn };
}

export function explainConv(layer, rule, position, data) {
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

export function explainPool(layer, rule, position, data) {
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
  const [ph, pw] = rule.padded_hw; // arithmetic.padded_hw, written by the export
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
