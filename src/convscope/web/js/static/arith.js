// The exported site's hyperparameter explorer: the answer GET /api/arith gives
// (convscope.server.explain_payload.arith_payload), worked out in the browser. This
// and runtime.js are the one sanctioned place the browser computes; it ports
// convscope.arithmetic's window rules for one square input and a square window,
// and every word comes from the export's data/arith.json (written from Python's
// WORDS and STEP_WORDS templates, the route's query limits and pydantic's own
// messages), filled slot by slot. tests/web/test_static_arith.py checks it against
// Python over a dense grid of settings, field for field.
import { fill, grouped } from "./common.js";

/** A refusal the server would answer with this status and message. */
export class ArithError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function gcd(a, b) {
  return b === 0 ? a : gcd(b, a % b);
}

/** num/den (den > 0) rounded to `places` decimals, ties to even, as Python formats an exact binary value. */
function fixed(num, den, places) {
  const scale = 10 ** places;
  const t = num * scale;
  let q = Math.floor(t / den);
  const twice = 2 * (t - q * den);
  if (twice > den || (twice === den && q % 2 === 1)) q += 1;
  const digits = String(q).padStart(places + 1, "0");
  return `${digits.slice(0, -places)}.${digits.slice(-places)}`;
}

/** Python's `_fraction`: "55", "3.5" (a decimal of at most 3 places), else "10/3 ≈ 3.333". */
function fractionText(num, den, say) {
  const g = gcd(num, den);
  const [n, d] = [num / g, den / g];
  if (d === 1) return grouped(n);
  if (1000 % d === 0) return fixed(n, d, 3).replace(/0+$/, "");
  return say("fraction_approx", { numerator: n, denominator: d, approx: fixed(n, d, 3) });
}

/** One spatial axis, checked by the query limits already: the numbers `_Axis` derives. */
function axisOf(size, kernel, stride, before, after, dilation) {
  const padded = size + before + after;
  const effective = dilation * (kernel - 1) + 1;
  const span = padded - effective;
  return { size, kernel, stride, before, after, dilation, padded, effective, span, whole: Math.floor(span / stride), ceilCount: -Math.floor(-span / stride) + 1 };
}

const capitalized = (text) => text.slice(0, 1).toUpperCase() + text.slice(1).toLowerCase();
const firstUpper = (text) => text.slice(0, 1).toUpperCase() + text.slice(1);

/** The word builders of arithmetic.py and arithmetic_words.py, over the exported templates. */
function wording(words) {
  const say = (key, slots) => fill(words.reasons[key] ?? words.steps[key] ?? words.messages[key], slots);
  const paddedText = (a) => (a.before === a.after ? say("padded_even", { size: a.size, before: a.before }) : say("padded_uneven", { size: a.size, before: a.before, after: a.after }));
  const tooSmall = (a) => {
    const dilated = a.dilation > 1 ? say("too_small_dilated", { kernel: a.kernel, dilation: a.dilation }) : "";
    return new ArithError(400, say("too_small", { effective: a.effective, dilated, padded: a.padded, padded_text: paddedText(a) }));
  };
  const fraction = (a) => say("fraction", { padded: a.padded, effective: a.effective, stride: a.stride, value: fractionText(a.span + a.stride, a.stride, say) });
  return { say, paddedText, tooSmall, fraction };
}

function floorOf(a, w) {
  if (a.span < 0) throw w.tooSmall(a);
  return a.whole + 1;
}

function poolFloor(a, ceilMode, w) {
  const half = Math.floor(a.kernel / 2);
  const most = Math.max(a.before, a.after);
  if (most > half) throw new ArithError(400, w.say("pool_padding", { padding: most, kernel: a.kernel, half, pixels: w.say(half === 1 ? "pixel" : "pixels") }));
  let out = ceilMode ? a.ceilCount : a.whole + 1;
  if (ceilMode && (out - 1) * a.stride >= a.size + a.before) out -= 1; // that window would start in the right padding
  if (out < 1) throw w.tooSmall(a);
  return out;
}

function strictReason(a, label, leftover, w) {
  const { say } = w;
  const paddedWord = a.padded !== a.size ? say("padded_word") : "";
  const side = label ?? "square";
  const unit = say(leftover === 1 ? `${side}_unit` : `${side}_units`);
  let window;
  let where;
  if (label === null) {
    window = say("square_window", { kernel: a.kernel }) + (a.effective !== a.kernel ? say("square_spanning", { effective: a.effective, dilation: a.dilation }) : "");
    where = say("square_where", { padded: a.padded, padded_word: paddedWord });
  } else {
    const spanning = a.effective !== a.kernel ? say("axis_spanning", { effective: a.effective, dilation: a.dilation }) : "";
    window = say("axis_window", { kernel: a.kernel, tall: say(`${label}_tall`), spanning });
    where = say("axis_where", { padded: a.padded, padded_word: paddedWord, label: say(label) });
  }
  return say("strict_reason", { window, stride: a.stride, where, fraction: w.fraction(a), leftover, unit });
}

/** `_strict`: the strict rule along one axis (asdict(StrictSize)'s fields). */
function strictOf(a, label, w) {
  const floor = floorOf(a, w);
  const leftover = a.span % a.stride;
  return {
    valid: leftover === 0,
    exact: (a.span + a.stride) / a.stride,
    fraction: w.fraction(a),
    floor,
    leftover,
    padded: a.padded,
    effective_kernel: a.effective,
    reason: leftover ? strictReason(a, label, leftover, w) : null,
  };
}

const sameAxes = (a, b) => ["size", "kernel", "stride", "before", "after", "dilation"].every((k) => a[k] === b[k]);
const joinedOnce = (reasons, w) => [...new Set(reasons.filter(Boolean))].join(w.say("reason_join")) || null;

/** `same_padding` for a known input size: TensorFlow's split of the total that keeps ceil(size/S). */
function samePadding(sizes, kernels, strides, dilations, w) {
  const probes = [0, 1].map((i) => {
    const probe = axisOf(sizes[i], kernels[i], strides[i], 0, 0, dilations[i]);
    const out = -Math.floor(-probe.size / probe.stride);
    return { probe, out, total: Math.max((out - 1) * probe.stride + probe.effective - probe.size, 0) };
  });
  const square = sameAxes(probes[0].probe, probes[1].probe) && probes[0].out === probes[1].out && probes[0].total === probes[1].total;
  const labels = square ? [null, null] : ["height", "width"];
  const reasons = probes.map(({ probe, out, total }, i) => {
    if (total % 2 === 0) return null;
    const side = labels[i] ?? "square";
    const why = probe.stride === 1 ? w.say("same_why_kernel", { effective: probe.effective }) : w.say("same_why_stride", { out, stride: probe.stride, effective: probe.effective, size: probe.size });
    const half = Math.floor(total / 2);
    return w.say("same_reason", { total, pixels: w.say(total === 1 ? "pixel" : "pixels"), along: w.say(`${side}_along`), why, before_pad: half, before: w.say(`${side}_before`), after_pad: total - half, after: w.say(`${side}_after`) });
  });
  const [h, v] = probes;
  const top = Math.floor(h.total / 2);
  const left = Math.floor(v.total / 2);
  return { top, bottom: h.total - top, left, right: v.total - left, output: [h.out, v.out], reason: joinedOnce(reasons, w), symmetric: top === h.total - top && left === v.total - left };
}

function startsText(a, count, w) {
  const starts = Array.from({ length: count }, (_, s) => s * a.stride);
  return count <= 4 ? starts.join(w.say("starts_join")) : w.say("starts_many", { stride: a.stride, last: starts.at(-1) });
}

function positionsText(a, out, ceilMode, w) {
  const { say } = w;
  const starts = startsText(a, out, w);
  if (!ceilMode) return say("floor_positions", { padded: a.padded, effective: a.effective, span: a.span, whole: a.whole, stride: a.stride, starts, out });
  const count = say("ceil_count", { padded: a.padded, effective: a.effective, stride: a.stride, rounded: a.ceilCount });
  if (a.ceilCount !== out) return say("ceil_dropped", { count, rounded: a.ceilCount, start: (a.ceilCount - 1) * a.stride, out, starts });
  const overhang = Math.max((out - 1) * a.stride + a.effective - a.padded, 0);
  return say("ceil_kept", { count, starts, tail: overhang ? say("ceil_tail", { overhang }) : "" });
}

function axisSteps(a, label, out, ceilMode, w) {
  const { say } = w;
  const where = say(`where_${label ?? "square"}`);
  const effective = a.dilation === 1 ? say("effective_plain", { kernel: a.kernel }) : say("effective_dilated", { dilation: a.dilation, kernel: a.kernel, effective: a.effective });
  const steps = [
    [say("name_padded"), say("padded_step", { padded_text: w.paddedText(a), padded: a.padded, where })],
    [say("name_effective"), say("effective_step", { effective })],
    [say(ceilMode ? "name_positions_ceil" : "name_positions"), positionsText(a, out, ceilMode, w)],
  ];
  if (label === null) return steps.map(([name, text]) => say("square_step", { name: capitalized(name), text }));
  return steps.map(([name, text]) => say("axis_step", { label: capitalized(label), name, text }));
}

function reportSteps(r, height, width, w) {
  const { say } = w;
  const steps = [];
  const same = r.same_padding;
  if (same) {
    let text = say("same_step", { top: same.top, bottom: same.bottom, left: same.left, right: same.right });
    text += say("same_step_output", { height: same.output[0], width: same.output[1] });
    steps.push(text + (same.reason ? say("same_step_reason", { reason: firstUpper(same.reason) }) : say("same_step_end")));
  }
  const labels = sameAxes(height, width) ? [null] : ["height", "width"];
  const outs = [r.output.height, r.output.width];
  labels.forEach((label, i) => steps.push(...axisSteps([height, width][i], label, outs[i], r.operation === "maxpool" && r.ceil_mode, w)));
  const [h, wd] = outs;
  if (r.strict_rule.valid) steps.push(say("strict_valid", { height: h, width: wd }));
  else {
    const extra = h !== r.floor_rule[0] || wd !== r.floor_rule[1];
    steps.push(say("strict_invalid", { reason: r.strict_rule.reason, height: h, width: wd, kept: say(extra ? "strict_kept_ceil" : "strict_kept_floor") }));
  }
  steps.push(say("output_plain", { height: h, width: wd }));
  return steps;
}

/** `arithmetic_report(...).to_dict()` for a square input and window, no channel counts (the explorer's case). */
function report(size, kernel, stride, padding, dilation, pool, ceilMode, w) {
  if (ceilMode && !pool) throw new ArithError(400, w.say("ceil_not_pool"));
  const s = stride ?? (pool ? kernel : 1);
  const same = padding === "same" ? samePadding([size, size], [kernel, kernel], [s, s], [dilation, dilation], w) : null;
  const p = padding === "valid" ? 0 : padding;
  const [top, bottom, left, right] = same ? [same.top, same.bottom, same.left, same.right] : [p, p, p, p];
  const height = axisOf(size, kernel, s, top, bottom, dilation);
  const width = axisOf(size, kernel, s, left, right, dilation);
  const output = pool ? [poolFloor(height, ceilMode, w), poolFloor(width, ceilMode, w)] : [floorOf(height, w), floorOf(width, w)];
  const square = sameAxes(height, width);
  const strictH = strictOf(height, square ? null : "height", w);
  const strictW = strictOf(width, square ? null : "width", w);
  const r = {
    operation: pool ? "maxpool" : "conv",
    input: { height: size, width: size, channels: null },
    kernel: [kernel, kernel],
    stride: [s, s],
    padding: { top, bottom, left, right },
    dilation: [dilation, dilation],
    groups: 1,
    ceil_mode: ceilMode,
    same_padding: same,
    output: { height: output[0], width: output[1], channels: null, shape: [...output] },
    floor_rule: [strictH.floor, strictW.floor],
    strict_rule: { valid: strictH.valid && strictW.valid, height: strictH, width: strictW, reason: joinedOnce([strictH.reason, strictW.reason], w) },
  };
  r.steps = reportSteps(r, height, width, w);
  return { r, height, width };
}

/** Input index of each tap of each of `out` windows along one axis (explain_payload.window_taps). */
function windowTaps(a, out) {
  return Array.from({ length: out }, (_, o) => Array.from({ length: a.kernel }, (_, i) => o * a.stride - a.before + i * a.dilation));
}

/** FastAPI's checks of the query, in the route's parameter order, worded as the server's 422 handler words them. */
function validated(params, words) {
  const problems = [];
  const values = {};
  for (const [name, limit] of Object.entries(words.query)) {
    const raw = params.get(name);
    if (raw === null) {
      if (limit.required) problems.push([name, words.messages.missing]);
      values[name] = limit.default;
    } else if (limit.type === "int") {
      const text = raw.trim();
      const n = /^[+-]?\d+$/.test(text) ? Number(text) : null;
      if (n === null) problems.push([name, words.messages.int_parsing]);
      else if (limit.ge !== undefined && n < limit.ge) problems.push([name, fill(words.messages.ge, { limit: limit.ge })]);
      else if (limit.le !== undefined && n > limit.le) problems.push([name, fill(words.messages.le, { limit: limit.le })]);
      values[name] = n;
    } else if (limit.type === "bool") {
      const text = raw.trim().toLowerCase();
      const truth = limit.true.includes(text) ? true : limit.false.includes(text) ? false : null;
      if (truth === null) problems.push([name, words.messages.bool_parsing]);
      values[name] = truth;
    } else {
      if (limit.max_length !== undefined && [...raw].length > limit.max_length) problems.push([name, fill(words.messages.max_length, { limit: limit.max_length })]);
      values[name] = raw;
    }
  }
  if (problems.length) {
    const parts = problems.map(([where, msg]) => fill(words.messages.part, { where, msg }));
    throw new ArithError(422, fill(words.messages.invalid, { errors: parts.join(words.messages.join) }));
  }
  return values;
}

/** `_padding_arg`: "same", "valid" or a number from 0 to the most the explorer draws. */
function paddingArg(padding, words) {
  const text = padding.trim().toLowerCase();
  if (text === "same" || text === "valid") return text;
  if (!/^[+-]?\d+$/.test(text)) throw new ArithError(400, fill(words.messages.padding_unknown, { padding: [...padding].slice(0, 40).join("") }));
  const value = Number(text);
  if (value < 0 || value > words.max_padding) throw new ArithError(400, fill(words.messages.padding_range, { max: words.max_padding, value }));
  return value;
}

/**
 * The explorer's answer for an /api/arith query string ("size=7&kernel=3&…"): {report, padded, windows},
 * or an ArithError with the status and message the server would answer.
 * `words` is the export's data/arith.json.
 */
export function arithAnswer(query, words) {
  const q = validated(new URLSearchParams(query), words);
  const w = wording(words);
  const padding = paddingArg(q.padding, words);
  const { r, height, width } = report(q.size, q.kernel, q.stride, padding, q.dilation, q.pool, q.ceil_mode, w);
  return {
    report: r,
    padded: [height.padded, width.padded],
    windows: { rows: windowTaps(height, r.output.height), cols: windowTaps(width, r.output.width) },
  };
}
