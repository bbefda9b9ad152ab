// Which layers a deep network's overview draws: blocks collapsed to their output
// column or open, BatchNorm and activation columns folded into the conv they
// follow (compact mode), and the routes (skip, branch) drawn between columns.
// The server decides what a block and a fold are (layer.block, layer.fold_into,
// model.blocks, model.overview); this module only applies the reader's choices.
import { visibleSources } from "./layout.js";

/** A comma list from the URL as a Set; "-" is the empty list written out (it differs from a missing one). */
function listOf(text) {
  return new Set(text && text !== "-" ? text.split(",").filter(Boolean) : []);
}

/**
 * The reader's view settings from the URL, against the model's defaults:
 * {compact: bool, open: Set(block names), unfold: Set(fold hosts shown unfolded)}.
 * compact "auto" and an empty `open` mean the model's default (model.overview).
 */
export function resolveView(model, { compact = "auto", open = "", unfold = "" } = {}) {
  const defaults = model.overview ?? { compact: false, collapsed: false };
  const names = (model.blocks ?? []).map((b) => b.name);
  const opened = open === "" ? new Set(defaults.collapsed ? [] : names) : new Set([...listOf(open)].filter((n) => names.includes(n)));
  return { compact: compact === "auto" ? defaults.compact : compact === "on", open: opened, unfold: listOf(unfold) };
}

/** The URL text of a set of open blocks: "" when it is the model's default, "-" for none. */
export function openText(model, open) {
  const names = (model.blocks ?? []).map((b) => b.name);
  const fallback = model.overview && model.overview.collapsed ? [] : names;
  const shown = names.filter((n) => open.has(n));
  if (shown.length === fallback.length && shown.every((n) => fallback.includes(n))) return "";
  return shown.length ? shown.join(",") : "-";
}

/** A copy of `set` with `name` added or removed. */
export function toggled(set, name) {
  const next = new Set(set);
  if (next.has(name)) next.delete(name);
  else next.add(name);
  return next;
}

/**
 * What the view hides: {hidden: Set(layer names drawn as no column), folds: Map(host -> {members, open}),
 * blocks: Map(name -> {block, open})}. A collapsed block shows its output layer only; in compact mode
 * a folded layer hides behind its host unless the host is unfolded.
 */
export function overviewPlan(model, view) {
  const blocks = new Map((model.blocks ?? []).map((b) => [b.name, { block: b, open: view.open.has(b.name) }]));
  const hidden = new Set();
  const folds = new Map();
  for (const layer of model.layers) {
    const group = layer.block ? blocks.get(layer.block) : null;
    if (group && !group.open) {
      if (layer.name !== group.block.output) hidden.add(layer.name);
      continue;
    }
    if (!view.compact || !layer.fold_into) continue;
    const open = view.unfold.has(layer.fold_into);
    if (!folds.has(layer.fold_into)) folds.set(layer.fold_into, { members: [], open });
    folds.get(layer.fold_into).members.push(layer.name);
    if (!open) hidden.add(layer.name);
  }
  return { hidden, folds, blocks };
}

/**
 * Where one column's inputs come from, one route per input of the layer that joins them:
 * [{from, to, via, start, index, of}]. A column whose own layer has one input follows it back
 * through layers that are not drawn (folded, or inside a collapsed block) to the first one that
 * joins several (a residual add, a concat); each of that layer's inputs is one route, ending at
 * the drawn columns it comes from. `start`: the input the route begins with; `via`: the joining
 * layer (or the column's own layer). The class column reads through its logits layer.
 */
export function columnRoutes(model, columns) {
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const drawn = new Set(columns.map((c) => c.name));
  const routes = [];
  for (const col of columns) {
    let via = col.type === "classes" ? model.logits_layer : col.name;
    let layer = byName.get(via);
    while (layer && layer.inputs.length === 1 && !drawn.has(layer.inputs[0])) {
      via = layer.inputs[0];
      layer = byName.get(via);
    }
    if (!layer) continue;
    layer.inputs.forEach((start, index) => {
      const from = drawn.has(start) ? [start] : visibleSources(start, byName, drawn);
      for (const f of from) routes.push({ from: f, to: col.name, via, start, index, of: layer.inputs.length });
    });
  }
  return routes;
}

/**
 * The SVG path of one route between two placed columns ({x, width}), in the band between the headers
 * and the maps: neighbours by a low curve, a route over `span` columns by a higher arch; routes of one
 * column pair fan out by their index, so a collapsed residual block shows its two routes apart.
 */
export function routePath(from, to, { index, of, span }, band) {
  const y = band.bottom;
  const lift = Math.min(band.bottom - band.top, (span > 0 ? 8 + 5 * span : 0) + (of > 1 ? index * 6 : 0));
  const x0 = from.x + from.width;
  const x1 = to.x;
  const dx = (x1 - x0) / 3;
  const cy = y - lift / 0.75; // a cubic's middle rises three quarters of the way to its control points
  return `M${x0},${y}C${x0 + dx},${cy} ${x1 - dx},${cy} ${x1},${y}`;
}
