// Which layers become overview columns, which maps they show, where every map
// sits, and which maps feed which. Pure geometry: views only draw it. What each
// layer is (hidden or drawn, how its channels connect) comes from the server.
import { pageOf } from "./paging.js";

/** The first `limit` channels of a layer (the order before a trace says which are most active). */
export function shownChannels(shape, limit = 16) {
  if (shape.length !== 3) return [0];
  return Array.from({ length: Math.min(shape[0], limit) }, (_, i) => i);
}

/** Values a set of columns fetches (to choose one batched request or one per layer). */
export function valueCount(columns) {
  return columns.reduce((sum, c) => sum + (c.type === "maps" ? c.channels.length * c.shape[1] * c.shape[2] : c.shape[0]), 0);
}

/** Names of the layers that make up the class column: the output layer and the logits (the same layer without a softmax). */
export function classLayers(model) {
  return new Set([model.output_layer, model.logits_layer]);
}

/**
 * The overview's columns, left to right.
 * Each: {name, display, type: "maps" | "vector" | "classes", shape, channels, total, page, pages, slots}.
 * A (C, H, W) layer with more than `limit` channels shows page `pages.get(name)` of its
 * order (`orders.get(name)`: the trace's channel_order, most active first; index order
 * without a trace); `slots` is the maps' room in the column, equal on every page.
 */
export function overviewColumns(model, { limit = 16, orders = new Map(), pages = new Map(), plan = null, classes: classList = null } = {}) {
  const classes = classLayers(model);
  const columns = [];
  for (const layer of model.layers) {
    if (layer.display === "hidden" || classes.has(layer.name) || (plan && plan.hidden.has(layer.name))) continue;
    const shape = layer.output_shape;
    const type = shape.length === 3 ? "maps" : "vector";
    const total = shape.length === 3 ? shape[0] : 1;
    const order = orders.get(layer.name) ?? shownChannels(shape, Infinity);
    const paged = type === "maps" && total > limit ? pageOf(order, pages.get(layer.name) ?? 0, limit) : null;
    const channels = paged ? paged.channels : shownChannels(shape, limit);
    const column = { name: layer.name, display: layer.display, type, shape, channels, total, page: paged ? paged.page : 0, pages: paged ? paged.pages : 1, slots: paged ? limit : channels.length };
    columns.push(plan ? { ...column, ...groupOf(layer, plan) } : column);
  }
  const all = model.classes.map((_, i) => i);
  // classes: the page core/classlist.js picked ({channels, slots}) when the model has many.
  const shown = classList ?? { channels: all, slots: all.length };
  columns.push({ name: model.output_layer, display: "values", type: "classes", shape: [model.classes.length], channels: shown.channels, total: all.length, page: 0, pages: 1, slots: shown.slots });
  return columns;
}

/** A column's place in the blocks and folds of a plan (core/blocks.js): {block, collapsed, folded, unfolded}. */
function groupOf(layer, plan) {
  const group = layer.block ? plan.blocks.get(layer.block) : null;
  const fold = plan.folds.get(layer.name);
  return { block: group ? layer.block : null, collapsed: Boolean(group && !group.open), folded: fold ? fold.members : [], unfolded: Boolean(fold && fold.open) };
}

/** "name:c,c,…|…": equal keys mean the same maps in the same places (no rebuild needed). */
export function columnsKey(columns) {
  return columns.map((c) => `${c.name}:${c.channels.join(",")}`).join("|");
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

/**
 * Source channels of output channel c: [[source, channels | null]] (null: every channel),
 * read from the server's layer.connectivity; `sources` are the visible layers feeding the layer.
 * A vector column is one box, so only maps connect channel by channel.
 */
function sourceChannels(layer, c, sources, byName, visible) {
  const link = layer.connectivity;
  const maps = layer.output_shape.length === 3;
  if (link.mode === "stacked" && maps) {
    const part = link.offsets.findLastIndex((start) => start <= c);
    const input = layer.inputs[part];
    const from = visible.has(input) ? [input] : visibleSources(input, byName, visible);
    return from.map((src) => [src, [c - link.offsets[part]]]);
  }
  if (link.mode === "one_to_one" && maps) return sources.map((src) => [src, [c]]);
  if (link.mode === "grouped" && sources.length === 1) {
    const first = Math.floor(c / link.out_per_group) * link.in_per_group;
    return [[sources[0], Array.from({ length: link.in_per_group }, (_, i) => first + i)]];
  }
  return sources.map((src) => [src, null]);
}

/** The lookups incomingEdges needs, made once for every map of an overview (GoogLeNet draws 276). */
export function edgeLookups(model, columns) {
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const shown = new Map(columns.map((c) => [c.name, c.channels]));
  const byColumn = new Map();
  for (const c of columns) if (!byColumn.has(c.name)) byColumn.set(c.name, c); // the first, as a find would
  return { byName, shown, visible: new Set(shown.keys()), columns: byColumn };
}

/**
 * Incoming connections of map `channel` of column `name`, limited to shown maps:
 * [{from, channel}] where channel indexes the source layer. `lookups`: edgeLookups(model, columns).
 */
export function incomingEdges(name, channel, model, columns, lookups = edgeLookups(model, columns)) {
  const { byName, shown, visible } = lookups;
  const target = lookups.columns.get(name);
  // The class column reads through its logits layer when the model ends in softmax.
  const layerName = target && target.type === "classes" ? model.logits_layer : name;
  const layer = byName.get(layerName);
  const sources = visibleSources(layerName, byName, visible);
  const edges = [];
  for (const [src, chans] of sourceChannels(layer, channel, sources, byName, visible)) {
    const maps = shown.get(src) ?? [];
    for (const c of chans ?? maps) if (maps.includes(c)) edges.push({ from: src, channel: c });
  }
  return edges;
}

/**
 * Pixel positions of every map: {width, height, columns: [{name, x, y, width, maps: [{channel, x, y, w, h}], pager, label: {x, w}}], blocks}.
 * label: the column header's extent; blocks: the block headers' spans (columns with a `block`).
 * pager: {x, y, w, h, compact} under a column with more than one page, else null; a compact
 * pager (narrower than pagerWide) puts its text over its buttons and needs pagerRowCompact.
 * dims: {mapSize, gap, columnGap, top, classRow, classWidth, vectorWidth, margin, pagerWidth, pagerWide, pagerRow, pagerRowCompact, labelWidth}.
 */
export function overviewLayout(columns, dims) {
  const d = { mapSize: 48, gap: 6, columnGap: 44, top: 34, classRow: 26, classWidth: 170, vectorWidth: 14, margin: 12, pagerWidth: 88, pagerWide: 84, pagerRow: 26, pagerRowCompact: 42, labelWidth: 84, ...dims };
  const slotsOf = (col) => col.slots ?? col.channels.length;
  const heightOf = (col) => {
    if (col.type === "classes") return slotsOf(col) * d.classRow;
    if (col.type === "vector") return slotsOf(col) * (d.mapSize * 2 + d.gap) - d.gap;
    return slotsOf(col) * (d.mapSize + d.gap) - d.gap;
  };
  // Pagers sit under map columns, wider than a map but clear of the next column's pager.
  const pw = Math.max(d.mapSize, Math.min(d.pagerWidth, d.mapSize + d.columnGap - 6));
  const compact = pw < d.pagerWide;
  const row = compact ? d.pagerRowCompact : d.pagerRow;
  const pagerRow = columns.some((c) => (c.pages ?? 1) > 1) ? row : 0;
  // A long class column (ImageNet's 1,000 rows) starts at the top instead of pushing every map down.
  const mapsBody = Math.max(0, ...columns.filter((c) => c.type !== "classes").map(heightOf));
  const body = Math.max(mapsBody, ...columns.map(heightOf));
  let x = d.margin;
  const placed = columns.map((col) => {
    const w = col.type === "classes" ? d.classWidth : col.type === "vector" ? d.vectorWidth : d.mapSize;
    const y0 = d.top + Math.max(0, (mapsBody || body) - heightOf(col)) / 2;
    const maps = col.channels.map((channel, i) => {
      if (col.type === "classes") return { channel, x, y: y0 + i * d.classRow, w, h: d.classRow - 4 };
      const h = col.type === "vector" ? d.mapSize * 2 : d.mapSize;
      return { channel, x, y: y0 + i * (h + d.gap), w, h };
    });
    const pager = (col.pages ?? 1) > 1 ? { x: x + w / 2 - pw / 2, y: y0 + heightOf(col) + 4, w: pw, h: row - 6, compact } : null;
    // Headers are wider than a map but never reach the next column's header.
    const lw = Math.min(Math.max(w, d.labelWidth), w + d.columnGap - 4);
    const out = { name: col.name, x, y: y0, width: w, maps, pager, label: { x: x + w / 2 - lw / 2, w: lw } };
    x += w + d.columnGap;
    return out;
  });
  const left = Math.min(0, ...placed.filter((c) => c.pager).map((c) => c.pager.x));
  if (left < 0) placed.forEach((c) => shiftColumn(c, -left)); // a wide pager on the first column stays on the stage
  return { width: x - d.columnGap + d.margin - left, height: d.top + body + pagerRow + d.margin, columns: placed, blocks: blockSpans(columns, placed) };
}

/** Runs of neighbouring columns in the same block: [{name, x, w, collapsed, columns: [names]}], spanning their headers. */
function blockSpans(columns, placed) {
  const spans = [];
  columns.forEach((col, i) => {
    const { label } = placed[i];
    const last = spans.at(-1);
    if (!col.block) return;
    if (last && last.name === col.block && last.end === i - 1) {
      last.w = label.x + label.w - last.x;
      last.end = i;
      last.columns.push(col.name);
    } else spans.push({ name: col.block, x: label.x, w: label.w, collapsed: Boolean(col.collapsed), end: i, columns: [col.name] });
  });
  return spans.map(({ end, ...span }) => span);
}

function shiftColumn(column, dx) {
  column.x += dx;
  column.label.x += dx;
  column.maps.forEach((m) => (m.x += dx));
  if (column.pager) column.pager.x += dx;
}

/** Map size that fits the tallest column of maps into `available` pixels, clamped. */
export function fitMapSize(columns, available, { gap = 6, min = 22, max = 64 } = {}) {
  const most = Math.max(1, ...columns.filter((c) => c.type !== "classes").map((c) => c.slots ?? c.channels.length));
  return Math.max(min, Math.min(max, Math.floor((available - gap * (most - 1)) / most)));
}

/**
 * The gap between columns that spreads them over `width` pixels (the screen), clamped to
 * min…max; deep networks' headers get the room a narrow map leaves. dims as overviewLayout's.
 */
export function fitColumnGap(columns, width, { mapSize, classWidth = 170, vectorWidth = 14, margin = 12, min = 38, max = 64 } = {}) {
  if (columns.length < 2) return min;
  const used = columns.reduce((sum, c) => sum + (c.type === "classes" ? classWidth : c.type === "vector" ? vectorWidth : mapSize), 2 * margin);
  return Math.max(min, Math.min(max, Math.floor((width - used) / (columns.length - 1))));
}
