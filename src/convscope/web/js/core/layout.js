// Which layers become overview columns, which maps they show, where every map
// sits, and which maps feed which. Pure geometry: views only draw it.

/** Layers that add nothing to look at (CNN Explainer hides flatten too). */
export const HIDDEN_KINDS = new Set(["flatten", "identity"]);
const PROBABILITY_KINDS = new Set(["softmax", "log_softmax"]);
const ELEMENTWISE_KINDS = new Set([
  "relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "silu", "hardswish", "relu6",
  "maxpool2d", "avgpool2d", "adaptive_avgpool2d", "adaptive_maxpool2d", "batchnorm2d",
  "dropout", "zeropad2d", "identity", "add",
]);

/** Channels shown for a layer: the first `limit` (paging comes with the detail views). */
export function shownChannels(shape, limit = 16) {
  if (shape.length !== 3) return [0];
  return Array.from({ length: Math.min(shape[0], limit) }, (_, i) => i);
}

/** Values a set of columns fetches (to choose one batched request or one per layer). */
export function valueCount(columns) {
  return columns.reduce((sum, c) => sum + (c.type === "maps" ? c.channels.length * c.shape[1] * c.shape[2] : c.shape[0]), 0);
}

/** Names of the layers that make up the class column: the output layer and the logits feeding a softmax. */
export function classLayers(model) {
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const out = byName.get(model.output_layer);
  const names = [out.name];
  if (PROBABILITY_KINDS.has(out.kind) && out.inputs.length) names.push(out.inputs[0]);
  return new Set(names);
}

/**
 * The overview's columns, left to right.
 * Each: {name, kind, type: "maps" | "vector" | "classes", shape, channels, total}.
 */
export function overviewColumns(model, limit = 16) {
  const classes = classLayers(model);
  const columns = [];
  for (const layer of model.layers) {
    if (HIDDEN_KINDS.has(layer.kind) || classes.has(layer.name)) continue;
    const shape = layer.output_shape;
    const type = shape.length === 3 ? "maps" : "vector";
    columns.push({ name: layer.name, kind: layer.kind, type, shape, channels: shownChannels(shape, limit), total: shape.length === 3 ? shape[0] : 1 });
  }
  columns.push({ name: model.output_layer, kind: "classes", type: "classes", shape: [model.classes.length], channels: model.classes.map((_, i) => i), total: model.classes.length });
  return columns;
}

/** The visible layers feeding `name`, looking through hidden ones (flatten). */
export function visibleSources(name, byName, visible) {
  const found = [];
  const visit = (n) => {
    const layer = byName.get(n);
    for (const src of layer ? layer.inputs : []) {
      if (visible.has(src)) {
        if (!found.includes(src)) found.push(src);
      } else visit(src);
    }
  };
  visit(name);
  return found;
}

// Source channels of output channel c for a layer reading from `sources`.
function sourceChannels(layer, c, sources, byName) {
  const channelsOf = (n) => (byName.get(n).output_shape.length === 3 ? byName.get(n).output_shape[0] : 1);
  if (layer.kind === "concat") {
    let offset = 0;
    for (const src of sources) {
      const k = channelsOf(src);
      if (c < offset + k) return [[src, [c - offset]]];
      offset += k;
    }
    return [];
  }
  if (ELEMENTWISE_KINDS.has(layer.kind) && layer.output_shape.length === 3) {
    return sources.map((src) => [src, [c]]);
  }
  if (layer.kind === "conv2d" && (layer.hyper.groups ?? 1) > 1 && sources.length === 1) {
    const groups = layer.hyper.groups;
    const inPer = channelsOf(sources[0]) / groups;
    const group = Math.floor(c / (layer.output_shape[0] / groups));
    return [[sources[0], Array.from({ length: inPer }, (_, i) => group * inPer + i)]];
  }
  return sources.map((src) => [src, null]); // null: every channel
}

/**
 * Incoming connections of map `channel` of column `name`, limited to shown maps:
 * [{from, channel}] where channel indexes the source layer.
 */
export function incomingEdges(name, channel, model, columns) {
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const shown = new Map(columns.map((c) => [c.name, c.channels]));
  const target = columns.find((c) => c.name === name);
  // The class column reads through its logits layer when the model ends in softmax.
  const layerName = target && target.type === "classes" ? [...classLayers(model)].at(-1) : name;
  const layer = byName.get(layerName);
  const sources = visibleSources(layerName, byName, new Set(shown.keys()));
  const edges = [];
  for (const [src, chans] of sourceChannels(layer, channel, sources, byName)) {
    const visible = shown.get(src) ?? [];
    for (const c of chans ?? visible) if (visible.includes(c)) edges.push({ from: src, channel: c });
  }
  return edges;
}

/**
 * Pixel positions of every map: {width, height, columns: [{name, x, width, label, maps: [{channel, x, y, w, h}]}]}.
 * dims: {mapSize, gap, columnGap, top, classRow, classWidth, vectorWidth, margin}.
 */
export function overviewLayout(columns, dims) {
  const d = { mapSize: 48, gap: 6, columnGap: 44, top: 34, classRow: 26, classWidth: 170, vectorWidth: 14, margin: 12, ...dims };
  const heightOf = (col) => {
    if (col.type === "classes") return col.channels.length * d.classRow;
    if (col.type === "vector") return col.channels.length * (d.mapSize * 2 + d.gap) - d.gap;
    return col.channels.length * (d.mapSize + d.gap) - d.gap;
  };
  const body = Math.max(...columns.map(heightOf));
  let x = d.margin;
  const placed = columns.map((col) => {
    const w = col.type === "classes" ? d.classWidth : col.type === "vector" ? d.vectorWidth : d.mapSize;
    const y0 = d.top + (body - heightOf(col)) / 2;
    const maps = col.channels.map((channel, i) => {
      if (col.type === "classes") return { channel, x, y: y0 + i * d.classRow, w, h: d.classRow - 4 };
      const h = col.type === "vector" ? d.mapSize * 2 : d.mapSize;
      return { channel, x, y: y0 + i * (h + d.gap), w, h };
    });
    const out = { name: col.name, x, width: w, maps };
    x += w + d.columnGap;
    return out;
  });
  return { width: x - d.columnGap + d.margin, height: d.top + body + d.margin, columns: placed };
}

/** Map size that fits the tallest column of maps into `available` pixels, clamped. */
export function fitMapSize(columns, available, { gap = 6, min = 22, max = 64 } = {}) {
  const most = Math.max(1, ...columns.filter((c) => c.type !== "classes").map((c) => c.channels.length));
  return Math.max(min, Math.min(max, Math.floor((available - gap * (most - 1)) / most)));
}
