// Colour domains for maps: per unit (each map its own range), per block
// (layers between pools, or a model-defined block such as ResNet's layer1.0)
// and global (every drawn layer). Signed layers get a diverging scale centred
// on zero, non-negative ones the warm half, the input a ramp in its tint. Which layer
// is which (layer.signed, layer.display, layer.view) the server says; so are the
// input channels' tints (input_spec.channel_tints: red, green, blue or gray).
import { tintScheme } from "./colour.js";

export const SCALE_MODES = [
  { id: "unit", label: "Per map" },
  { id: "block", label: "Per block" },
  { id: "global", label: "Global" },
];

// "layer1.0.conv1" -> "layer1.0"; "inception3a.branch2.0.conv" -> "inception3a";
// "features.3" (a plain Sequential index) -> null, so pools delimit blocks instead.
function definedBlock(name) {
  const parts = name.split(":")[0].split(".");
  if (parts.length < 2) return null;
  if (/^\d+$/.test(parts[1])) return parts.length >= 3 ? `${parts[0]}.${parts[1]}` : null;
  return parts[0];
}

/**
 * Block label of every layer: Map(name -> label).
 * Example: TinyVGG's conv_1_1..max_pool_1 -> "block 1", conv_2_1..max_pool_2 -> "block 2".
 */
export function layerBlocks(layers) {
  const blocks = new Map();
  let current = null;
  let counter = 1;
  for (const layer of layers) {
    if (layer.display === "input") {
      blocks.set(layer.name, "input");
      continue;
    }
    const defined = definedBlock(layer.name);
    if (defined) current = defined;
    else if (current === null) current = `block ${counter}`;
    blocks.set(layer.name, current);
    if (layer.view === "pool" && !defined) {
      current = null;
      counter += 1;
    }
  }
  return blocks;
}

/** True when a layer's maps are drawn with the diverging scale: the server says its values can be negative, or this trace's are. */
export function isSigned(layer, range) {
  return layer.signed || range.min < 0;
}

const absMax = (lo, hi) => Math.max(Math.abs(lo), Math.abs(hi));

/**
 * Everything domainFor needs, computed once per trace.
 * layers: [{name, display, view, signed}], ranges: Map(name -> {min, max, channel_ranges}), drawn: names drawn as maps.
 */
export function scaleContext(layers, ranges, drawn, tints = []) {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const isInput = (name) => byName.get(name)?.display === "input";
  const blocks = layerBlocks(layers);
  const blockExtent = new Map();
  let globalExtent = 0;
  for (const name of drawn) {
    if (isInput(name) || !ranges.has(name)) continue;
    const r = ranges.get(name);
    const m = absMax(r.min, r.max);
    const b = blocks.get(name);
    blockExtent.set(b, Math.max(blockExtent.get(b) ?? 0, m));
    globalExtent = Math.max(globalExtent, m);
  }
  return { byName, isInput, ranges, blocks, blockExtent, globalExtent, drawn, tints };
}

/** {scheme, lo, hi} for map `channel` of layer `name` under a scale mode. */
export function domainFor(mode, name, channel, ctx) {
  const range = ctx.ranges.get(name);
  const ch = range.channel_ranges[Math.min(channel, range.channel_ranges.length - 1)];
  if (ctx.isInput(name)) {
    const [lo, hi] = mode === "unit" ? ch : [range.min, range.max];
    return { scheme: tintScheme(ctx.tints[channel]), lo, hi: hi > lo ? hi : lo + 1 };
  }
  let m;
  if (mode === "unit") m = absMax(ch[0], ch[1]);
  else if (mode === "block") m = ctx.blockExtent.get(ctx.blocks.get(name)) ?? 0;
  else m = ctx.globalExtent;
  m = m > 0 ? m : 1;
  return isSigned(ctx.byName.get(name), range) ? { scheme: "diverging", lo: -m, hi: m } : { scheme: "sequential", lo: 0, hi: m };
}

/**
 * What the legend shows: [{label, scheme, lo, hi, layers}] (lo/hi null when each map has its own).
 */
export function legendsFor(mode, ctx) {
  const drawn = ctx.drawn.filter((n) => ctx.ranges.has(n));
  const input = drawn.filter((n) => ctx.isInput(n));
  const rest = drawn.filter((n) => !ctx.isInput(n));
  const legends = input.flatMap((n) => {
    const r = ctx.ranges.get(n);
    // One legend per tint in use: an RGB input gets red, green and blue bars, a gray one a single gray bar.
    const tints = [...new Set(r.channel_ranges.map((_, c) => tintScheme(ctx.tints[c])))];
    return tints.map((scheme) => {
      const label = scheme === "gray" ? "input" : `input: ${scheme} channel`;
      return mode === "unit"
        ? { label: `${label} (each channel)`, scheme, lo: null, hi: null, layers: [n] }
        : { label, scheme, lo: r.min, hi: r.max, layers: [n] };
    });
  });
  const anySigned = (names) => names.some((n) => isSigned(ctx.byName.get(n), ctx.ranges.get(n)));
  const scheme = (names) => (anySigned(names) ? "diverging" : "sequential");
  if (mode === "unit") {
    legends.push({ label: "each map its own range", scheme: scheme(rest), lo: null, hi: null, layers: rest });
  } else if (mode === "global") {
    const m = ctx.globalExtent || 1;
    const s = scheme(rest);
    legends.push({ label: "all layers", scheme: s, lo: s === "diverging" ? -m : 0, hi: m, layers: rest });
  } else {
    const order = [...new Set(rest.map((n) => ctx.blocks.get(n)))];
    for (const block of order) {
      const names = rest.filter((n) => ctx.blocks.get(n) === block);
      const m = ctx.blockExtent.get(block) || 1;
      const s = scheme(names);
      legends.push({ label: block, scheme: s, lo: s === "diverging" ? -m : 0, hi: m, layers: names });
    }
  }
  return legends;
}
