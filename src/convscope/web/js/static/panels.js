// The exported site's explanation panels at any position: the panel the server's
// …/explanation routes answer (convscope.teaching.explanations.step_panel and
// softmax_panel), built from the step payload runtime.js computes. Every word comes
// from the export's data/panels.json (written from teaching/words.py's WORDS and
// LINE_WORDS by convscope.server.static_panels), every layer-only slot from the
// model's panels.json, and every digit is rounded as teaching/numbers.py rounds it:
// the float's exact binary value, half to even, written as Python's Decimal writes
// it. tests/web/test_static_panels.py checks it against Python field for field.
// DOM-free: tested in Node.
import { fill, grouped } from "./common.js";

/** A finite double as exactly mantissa · 2^exponent (BigInt mantissa with its sign). */
function exactParts(value) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exponent = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  return { mantissa: negative ? -mantissa : mantissa, exponent };
}

/** `value` · 10^decimals rounded half to even, as a BigInt (numbers.rounded's coefficient). */
function scaled(value, decimals) {
  const { mantissa, exponent } = exactParts(value);
  const numerator = mantissa * 10n ** BigInt(decimals);
  if (exponent >= 0) return numerator << BigInt(exponent);
  const denominator = 1n << BigInt(-exponent);
  const size = numerator < 0n ? -numerator : numerator;
  let q = size / denominator;
  const twice = 2n * (size - q * denominator);
  if (twice > denominator || (twice === denominator && q % 2n === 1n)) q += 1n;
  return numerator < 0n ? -q : q;
}

/** A coefficient at `decimals` places as Python's str(Decimal) writes it (plain, or 1.5E-7 when tiny). */
function decimalText(q, decimals) {
  const negative = q < 0n;
  const digits = (negative ? -q : q).toString();
  const adjusted = digits.length - 1 - decimals;
  let body;
  if (adjusted >= -6) {
    const padded = digits.padStart(decimals + 1, "0");
    body = decimals ? `${padded.slice(0, -decimals)}.${padded.slice(-decimals)}` : padded;
  } else {
    body = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ""}E${adjusted}`;
  }
  // numbers.fixed: a value that rounds to zero loses its sign (−0.00 reads as a sign error).
  return negative ? `-${body}` : body;
}

/**
 * numbers.fixed: `value` at `decimals` places with a true minus sign; "–" for null or NaN, "∞" for infinities.
 * Example: fixed(-0.4312, 2) -> "−0.43"; fixed(0.125, 2) -> "0.12"
 */
export function fixed(value, decimals) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  return decimalText(scaled(value, decimals), decimals).replaceAll("-", "−");
}

/** numbers.readding_decimals: the fewest decimals at which `parts` visibly add to `total`, and whether any did. */
export function readdingDecimals(parts, total, choices) {
  const finite = [...parts, total].every((v) => typeof v === "number" && Number.isFinite(v));
  for (const decimals of choices) {
    if (finite && parts.reduce((sum, p) => sum + scaled(p, decimals), 0n) === scaled(total, decimals)) return [decimals, true];
  }
  return [choices[choices.length - 1], false];
}

/** panel.Line: segments of text and quoted numbers {text, value, field}. */
class Line {
  constructor() {
    this.segments = [];
  }
  say(text) {
    if (text) this.segments.push(text);
    return this;
  }
  num(value, field, decimals) {
    this.segments.push({ text: fixed(value, decimals), value, field });
    return this;
  }
}

/** The worked-line builders of teaching/worked.py over the exported words `p` ({w, limits}). */
function plus(p, line, value, field, decimals, first) {
  if (first) line.num(value, field, decimals);
  else if (fixed(value, decimals).startsWith("−")) line.say(p.w("plus_open")).num(value, field, decimals).say(p.w("close"));
  else line.say(p.w("plus")).num(value, field, decimals);
}

function workedConv(p, step) {
  const { terms, bias, output, position } = step;
  const { value_decimals: v, listed_channels: listed, decimals: choices } = p.limits;
  const parts = [...terms.map((t) => t.sum), ...(bias === null ? [] : [bias])];
  const notes = [];
  // The channel that contributes most, by magnitude; the first of equals, as Python's max.
  let n = 0;
  terms.forEach((t, i) => {
    if (Math.abs(t.sum) > Math.abs(terms[n].sum)) n = i;
  });
  const first = terms[n];
  const size = p.w("size", { rows: first.products.length, cols: first.products[0].length });
  const share = new Line().say(p.w("conv_largest", { channel: first.input_channel, size }));
  share.num(first.sum, `terms.${n}.sum`, v).say(p.w("conv_click"));
  const [d, ok] = readdingDecimals(parts, output, choices);
  const line = new Line().say(p.w("conv_output", { y: position.y, x: position.x }));
  line.num(output, "output", d).say(p.w("equals"));
  if (terms.length <= listed) {
    terms.forEach((t, i) => {
      plus(p, line, t.sum, `terms.${i}.sum`, d, i === 0);
      line.say(p.w("conv_channel", { channel: t.input_channel }));
    });
    if (bias !== null) line.say(p.w("conv_bias")).num(bias, "bias", d);
    if (!ok) notes.push(p.w("rounding_note", { decimals: d }));
  } else {
    line.say(p.w("conv_many", { count: terms.length }));
    if (bias !== null) line.say(p.w("conv_many_bias")).num(bias, "bias", d);
  }
  return [[share, line], notes];
}

function workedFormula(p, step, inputChannel) {
  const found = step.terms.findIndex((t) => t.input_channel === inputChannel);
  const index = found < 0 ? 0 : found;
  const term = step.terms[index];
  const cols = term.products[0].length;
  const flat = term.products.flat();
  const f = p.limits.factor_decimals;
  const [d, ok] = readdingDecimals(flat, term.sum, p.limits.decimals);
  const line = new Line();
  flat.forEach((_, n) => {
    const [i, j] = [Math.floor(n / cols), n % cols];
    if (n) line.say(p.w("plus"));
    line.num(term.receptive_field[i][j], `terms.${index}.receptive_field.${i}.${j}`, f).say(p.w("times"));
    line.num(term.kernel[i][j], `terms.${index}.kernel.${i}.${j}`, f);
  });
  line.say(p.w("approx")).num(term.sum, `terms.${index}.sum`, d);
  const products = new Line().say(p.w("formula_products"));
  flat.forEach((value, n) => plus(p, products, value, `terms.${index}.products.${Math.floor(n / cols)}.${n % cols}`, d, n === 0));
  products.say(p.w("equals")).num(term.sum, `terms.${index}.sum`, d);
  return [[line, products], ok ? [] : [p.w("rounding_note", { decimals: d })]];
}

function workedActivation(p, step) {
  const v = p.limits.value_decimals;
  const line = new Line().say(p.w("activation_input")).num(step.input, "input", v).say(p.w("activation_arrow"));
  line.say(step.worked).say(p.w("activation_output")).num(step.output, "output", v);
  return [[line], []];
}

function workedPool(p, step) {
  const { window, padding_mask: mask } = step;
  const v = p.limits.value_decimals;
  const cells = [];
  window.forEach((row, i) => row.forEach((_, j) => mask[i][j] || cells.push([i, j])));
  const size = p.w("size", { rows: window.length, cols: window[0].length });
  const divisor = Number.isInteger(Number(step.divisor ?? 0)) ? 0 : v;
  const isMax = step.pool === p.maxPool;
  if (cells.length > p.limits.listed_cells) {
    // A big (adaptive) window: its total, not every cell.
    const line = new Line().say(p.w("pool_big", { size }));
    if (isMax) {
      const [r, c] = step.winner;
      line.say(p.w("pool_big_max", { row: r, col: c })).num(step.output, "output", v);
    } else {
      line.say(p.w("pool_big_sum")).num(step.sum, "sum", v).say(p.w("divided")).num(step.divisor, "divisor", divisor);
      line.say(p.w("equals")).num(step.output, "output", v);
    }
    return [[line], []];
  }
  if (isMax) {
    const line = new Line().say(p.w("pool_max_open"));
    cells.forEach(([i, j], n) => line.say(n ? p.w("list_separator") : "").num(window[i][j], `window.${i}.${j}`, v));
    const [r, c] = step.winner;
    line.say(p.w("pool_max_close")).num(step.output, "output", v).say(p.w("pool_winner", { row: r, col: c }));
    return [[line], []];
  }
  const [d, ok] = readdingDecimals(
    cells.map(([i, j]) => window[i][j]),
    step.sum,
    p.limits.decimals,
  );
  const line = new Line().say(p.w("pool_avg_open"));
  cells.forEach(([i, j], n) => plus(p, line, window[i][j], `window.${i}.${j}`, d, n === 0));
  line.say(p.w("pool_avg_close")).num(step.divisor, "divisor", divisor);
  line.say(p.w("equals")).num(step.sum, "sum", d).say(p.w("divided")).num(step.divisor, "divisor", divisor);
  line.say(p.w("equals")).num(step.output, "output", v);
  return [[line], ok ? [] : [p.w("rounding_note", { decimals: d })]];
}

function workedFlatten(p, step, order) {
  const [c, h, w] = step.input_shape;
  const src = step.source;
  const at = { channel: src.channel, y: src.y, x: src.x };
  const lines = [
    new Line().say(p.w("flatten_chw", { index: step.position.index })).say(p.w("flatten_chw_terms", { height: h, width: w, ...at })),
    new Line().say(p.w("flatten_hwc", { hwc_index: step.hwc_index })).say(p.w("flatten_hwc_terms", { width: w, channels: c, ...at })),
    new Line().say(p.w("flatten_value", { layer: step.input_layer, ...at })).num(step.output, "output", p.limits.value_decimals),
  ];
  if (order === "hwc") [lines[0], lines[1]] = [lines[1], lines[0]];
  return [lines, []];
}

function workedLinear(p, step, order) {
  const v = p.limits.value_decimals;
  const line = new Line().say(p.w("linear_largest"));
  step.top.slice(0, p.limits.listed_products).forEach((c, n) => {
    const hwc = order === "hwc" && c.hwc_index !== null && c.hwc_index !== undefined;
    const name = hwc ? p.w("linear_input_hwc", { index: c.hwc_index }) : p.w("linear_input", { index: c.input_index });
    line.say(n ? p.w("linear_separator") : "").say(name).say(p.w("linear_colon"));
    line.num(c.input, `top.${n}.input`, v).say(p.w("linear_times")).num(c.weight, `top.${n}.weight`, v);
    line.say(p.w("equals")).num(c.product, `top.${n}.product`, v);
  });
  const total = new Line().say(p.w("linear_total", { count: step.inputs.length }));
  if (step.bias !== null) total.say(p.w("linear_bias")).num(step.bias, "bias", v);
  total.say(p.w("equals")).num(step.computed, "computed", v);
  total.say(p.w("linear_traced")).num(step.output, "output", v).say(p.w("close"));
  return [[line, total], []];
}

function workedBatchnorm(p, step) {
  const v = p.limits.value_decimals;
  const line = new Line().say(p.w("batchnorm_open")).num(step.input, "input", v).say(p.w("batchnorm_minus"));
  line.num(step.mean, "mean", v).say(p.w("batchnorm_root")).num(step.var, "var", v);
  line.say(p.w("batchnorm_epsilon")).num(step.normalised, "normalised", v);
  const again = new Line().num(step.normalised, "normalised", v).say(p.w("batchnorm_gamma")).num(step.gamma, "gamma", v);
  again.say(p.w("batchnorm_beta")).num(step.beta, "beta", v).say(p.w("equals")).num(step.output, "output", v);
  return [[line, again], []];
}

function workedAdd(p, step) {
  const [d, ok] = readdingDecimals(
    step.terms.map((t) => t.value),
    step.output,
    p.limits.decimals,
  );
  const line = new Line();
  step.terms.forEach((t, n) => {
    plus(p, line, t.value, `terms.${n}.value`, d, n === 0);
    line.say(p.w("add_term", { layer: t.layer }));
  });
  line.say(p.w("equals")).num(step.output, "output", d);
  return [[line], ok ? [] : [p.w("rounding_note", { decimals: d })]];
}

function workedConcat(p, step) {
  const line = new Line().say(p.w("concat_source", { channel: step.position.channel ?? "", source: step.source.channel ?? "" }));
  line.say(p.w("concat_layer", { layer: step.source_layer })).num(step.output, "output", p.limits.value_decimals);
  return [[line], []];
}

function workedPassthrough(p, step) {
  const key = step.source === null || step.source === undefined ? "passthrough_padding" : "passthrough_value";
  return [[new Line().say(p.w(key)).num(step.output, "output", p.limits.value_decimals)], []];
}

/** The builders by the names data/panels.json gives them (static_panels.FAMILIES). */
const BUILDERS = {
  "worked.conv": workedConv,
  "worked.formula": (p, step, order, inputChannel) => workedFormula(p, step, inputChannel),
  "worked.activation": workedActivation,
  "worked.pool": workedPool,
  "worked.flatten": (p, step, order) => workedFlatten(p, step, order),
  "worked.linear": (p, step, order) => workedLinear(p, step, order),
  "worked.batchnorm": workedBatchnorm,
  "worked.add": workedAdd,
  "worked.concat": workedConcat,
  "worked.passthrough": workedPassthrough,
};

/** Slots a view's words take from the step (static_panels.FAMILIES names which). */
const STEP_SLOTS = {
  "slots.unit": (p, step) => {
    const unit = step.position.index;
    const name = step.label ? p.w("linear_unit_class", { unit, label: step.label }) : p.w("linear_unit", { unit });
    return { unit: name, inputs: grouped(step.inputs.length) };
  },
  "slots.terms": (p, step) => ({ terms: step.formula }),
  "slots.shape": (p, step, order) => {
    const s = step.input_shape;
    const shape = order === "hwc" && s.length === 3 ? [...s.slice(1), s[0]] : s;
    return { shape: shape.join(p.w("shape_separator")) };
  },
};

/** The exported words as the builders read them: w(key, slots) fills a LINE_WORDS template. */
function prepared(words) {
  return { w: (key, slots) => fill(words.lines[key], slots), limits: words.limits, maxPool: words.max_pool };
}

function panelOf(words, view, wordsKey, lines, slots) {
  const text = words.views[wordsKey];
  if (!text) throw new Error(`no words for view ${wordsKey}`);
  const [worked, notes] = lines;
  const filled = (key) => fill(text[key], slots);
  return { view, title: filled("title"), seeing: filled("seeing"), reading: filled("reading"), formula: filled("formula"), worked: worked.map((l) => l.segments), notes };
}

/** Whether `step`'s panel is built here (its family is in data/panels.json), not read from the export. */
export function covers(words, step) {
  return Object.hasOwn(words.families, step.step) || step.step === words.softmax.family;
}

/**
 * explanations.step_panel: the panel of the view showing `step` (inputChannel set: the conv formula view).
 * words: data/panels.json; layerSlots: the model panels.json's slots of the step's layer; order: "chw" or "hwc".
 */
export function stepPanel(words, layerSlots, step, { order = "chw", inputChannel = null } = {}) {
  if (step.step === words.softmax.family) return softmaxPanel(words, step);
  const family = words.families[step.step];
  if (!family) throw new Error(`the exported site builds no panel for a ${step.step} step`);
  const p = prepared(words);
  const how = inputChannel !== null && inputChannel !== undefined && family.input_view ? family.input_view : family;
  const slots = { ...layerSlots };
  if (how !== family) slots.input_channel = inputChannel;
  if (how.slots) Object.assign(slots, STEP_SLOTS[how.slots](p, step, order));
  const lines = BUILDERS[how.builder](p, step, order, inputChannel);
  return panelOf(words, how.view, fill(how.words, step), lines, slots);
}

/** explanations.softmax_panel: the chosen class's probability worked out from the shown terms. */
export function softmaxPanel(words, step) {
  const p = prepared(words);
  const { shown } = step;
  const j = step.position.index;
  const labels = step.labels && step.labels.length ? step.labels : step.logits.map((_, i) => p.w("softmax_label", { index: i }));
  const [d, dp] = [shown.term_decimals, shown.probability_decimals];
  const expOf = p.w(shown.shift ? "softmax_exp_shifted" : "softmax_exp");
  const line = new Line().say(p.w("softmax_line", { label: labels[j], exp_of: expOf }));
  line.num(shown.terms[j], `shown.terms.${j}`, d).say(p.w("divided")).num(shown.sum, "shown.sum", d);
  line.say(p.w("equals")).num(step.probabilities[j], `probabilities.${j}`, dp);
  const z = new Line().say(p.w("softmax_logit")).num(step.logits[j], `logits.${j}`, p.limits.logit_decimals);
  if (shown.shift) z.say(p.w("softmax_shift")).num(shown.shift, "shown.shift", p.limits.value_decimals);
  z.say(p.w("softmax_exp_of", { exp_of: expOf })).num(shown.terms[j], `shown.terms.${j}`, d);
  // The shift and rounding notes stand in the softmax view itself, beside the numbers they are about.
  return panelOf(words, words.softmax.view, words.softmax.words, [[z, line], []], { classes: step.logits.length, layer: step.input_layer });
}
