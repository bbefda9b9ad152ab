// What the exported site's step builders share (runtime.js names the one sanctioned
// place the browser computes): errors, Python's number formats and str.format, reading a traced value.

/** An error the server would answer with a 4xx: the view shows its message. */
export class StepError extends Error {
  constructor(message, status = 400) {
    super(message);
    this.status = status;
  }
}

/** `template` with each `{name}` replaced by `slots[name]` (as str.format does here). */
export function fill(template, slots = {}) {
  return template.replace(/\{(\w+)\}/g, (_, name) => {
    if (!(name in slots)) throw new Error(`no slot ${name} in ${template}`);
    return String(slots[name]);
  });
}

/** 1234567 → "1,234,567" (Python's f"{n:,}"). */
export function grouped(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
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

export const f32 = Math.fround;

/** Value at (c, y, x) of a (C, H, W) tensor {shape, data}, or at i of an (F,) one. */
export function at(tensor, coords) {
  if (coords.length === 1) return tensor.data[coords[0]];
  const [, h, w] = tensor.shape;
  return tensor.data[(coords[0] * h + coords[1]) * w + coords[2]];
}

export function positionDict(position) {
  return position.index !== undefined ? { index: position.index } : { channel: position.channel, y: position.y, x: position.x };
}

export function coordsOf(position) {
  return position.index !== undefined ? [position.index] : [position.channel, position.y, position.x];
}

export function inRange(value, name, size, layer, what) {
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

export function traced(layer, position, data) {
  return { layer: layer.name, kind: layer.kind, position: positionDict(position), output: at(data.output(layer.name), coordsOf(position)) };
}

/** explain.base.readds: the parts' total agrees with the traced value, relative to the parts' magnitude. */
export function readds(computed, output, scale, rel) {
  const tolerance = Math.max(rel * Math.max(Math.abs(computed), Math.abs(output)), rel * scale + 1e-37);
  return Math.abs(computed - output) <= tolerance || (Number.isNaN(computed) && Number.isNaN(output));
}
