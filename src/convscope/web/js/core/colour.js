// Colour schemes as stop tables, turned into 256-entry lookup tables so that
// painting a map costs one table read per pixel.

/** Stops [t, [r, g, b]] with t in [0, 1]. Non-negative maps use the warm half of the diverging scheme. */
export const SCHEMES = {
  diverging: [
    [0, [33, 80, 160]],
    [0.25, [120, 168, 216]],
    [0.5, [247, 247, 247]],
    [0.75, [240, 140, 80]],
    [1, [178, 24, 43]],
  ],
  sequential: [
    [0, [247, 247, 247]],
    [0.5, [240, 140, 80]],
    [1, [178, 24, 43]],
  ],
  gray: [
    [0, [0, 0, 0]],
    [1, [255, 255, 255]],
  ],
  // An RGB image's channels, each from black to its own primary: the input spec's
  // channel_tints (chosen by the server) name which channel gets which.
  red: [
    [0, [0, 0, 0]],
    [1, [255, 0, 0]],
  ],
  green: [
    [0, [0, 0, 0]],
    [1, [0, 255, 0]],
  ],
  blue: [
    [0, [0, 0, 0]],
    [1, [0, 0, 255]],
  ],
};

/** The schemes a channel tint may name; anything else is drawn gray. */
export const TINTS = ["red", "green", "blue", "gray"];

/** The scheme of an input channel with tint `tint` (from the input spec's channel_tints). */
export function tintScheme(tint) {
  return TINTS.includes(tint) ? tint : "gray";
}

/**
 * Fill RGBA pixels with three maps as one colour picture: channel k of each pixel is
 * map k's place in its own domain {lo, hi} (the three tinted maps added up).
 * Example: paintComposite([[1], [0], [0]], [{lo: 0, hi: 1}, {lo: 0, hi: 1}, {lo: 0, hi: 1}], out) is pure red.
 */
export function paintComposite(maps, domains, rgba) {
  const n = maps[0].length;
  for (let i = 0; i < n; i += 1) {
    for (let k = 0; k < 3; k += 1) rgba[i * 4 + k] = lutIndex(maps[k][i], domains[k].lo, domains[k].hi);
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

const luts = new Map();

function interpolate(stops, t) {
  let i = 1;
  while (i < stops.length - 1 && stops[i][0] < t) i += 1;
  const [t0, c0] = stops[i - 1];
  const [t1, c1] = stops[i];
  const f = t1 === t0 ? 0 : (t - t0) / (t1 - t0);
  return c0.map((v, k) => Math.round(v + (c1[k] - v) * f));
}

/** The 256 x RGB lookup table of a scheme. */
export function lut(scheme) {
  if (!luts.has(scheme)) {
    const stops = SCHEMES[scheme];
    if (!stops) throw new Error(`unknown colour scheme ${scheme}`);
    const table = new Uint8ClampedArray(256 * 3);
    for (let i = 0; i < 256; i += 1) table.set(interpolate(stops, i / 255), i * 3);
    luts.set(scheme, table);
  }
  return luts.get(scheme);
}

/** Index 0..255 of value v in domain {lo, hi}; values outside are clamped. */
export function lutIndex(v, lo, hi) {
  if (!(hi > lo)) return 128;
  const t = (v - lo) / (hi - lo);
  return Math.max(0, Math.min(255, Math.round(t * 255)));
}

/**
 * Fill RGBA pixels (e.g. ImageData.data) from values with a domain {scheme, lo, hi}.
 * Example: paint(Float32Array.of(-1, 1), {scheme: "diverging", lo: -1, hi: 1}, out) colours blue then red.
 */
export function paint(values, domain, rgba) {
  const table = lut(domain.scheme);
  const { lo, hi } = domain;
  for (let i = 0; i < values.length; i += 1) {
    const k = lutIndex(values[i], lo, hi) * 3;
    const p = i * 4;
    rgba[p] = table[k];
    rgba[p + 1] = table[k + 1];
    rgba[p + 2] = table[k + 2];
    rgba[p + 3] = 255;
  }
  return rgba;
}

/** CSS colour of one value. */
export function colourOf(v, domain) {
  const k = lutIndex(v, domain.lo, domain.hi) * 3;
  const table = lut(domain.scheme);
  return `rgb(${table[k]}, ${table[k + 1]}, ${table[k + 2]})`;
}

/** A CSS linear-gradient for a legend bar. */
export function gradientCss(scheme) {
  const stops = SCHEMES[scheme].map(([t, c]) => `rgb(${c.join(", ")}) ${Math.round(t * 100)}%`);
  return `linear-gradient(to right, ${stops.join(", ")})`;
}
