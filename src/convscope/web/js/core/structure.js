// The structure view's DOM-free core: which nodes and edges are visible when some
// blocks are collapsed, node labels in the chosen shape order, cost levels, URL state.
// Every number comes from the server's /api/models/{id}/structure answer.

/** "C×H×W" (chw) or "H×W×C" (hwc) for a (C, H, W) shape; vectors as they are. */
export function shapeText(shape, order = "chw") {
  const dims = order === "hwc" && shape.length === 3 ? [shape[1], shape[2], shape[0]] : shape;
  return dims.join("×");
}

/** 1234567 -> "1,234,567" (the CLI's thousands separator). */
export function count(n) {
  return Math.round(n).toLocaleString("en-US");
}

/** The three lines a layer node shows: name; kind · shape; params · mults. */
export function nodeLines(node, order = "chw") {
  return [node.name, `${node.kind} · ${shapeText(node.output_shape, order)}`, `params ${count(node.params)} · mults ${count(node.mults)}`];
}

/** The lines a collapsed block shows: id; class · layers · shape; params · mults. */
export function blockLines(block, order = "chw") {
  return [
    block.id,
    `${block.module_class} · ${block.members.length} layers · ${shapeText(block.output_shape, order)}`,
    `params ${count(block.params)} · mults ${count(block.mults)}`,
  ];
}

/** 0..levels-1 on a log scale of multiplications against the model's largest layer (0 for none). */
export function costLevel(mults, top, levels = 6) {
  if (mults <= 0 || top <= 1) return 0;
  const level = Math.log10(mults) / Math.log10(top);
  return Math.max(0, Math.min(levels - 1, Math.floor(level * levels)));
}

/**
 * The graph to draw with the blocks in `collapsed` shown as one node each.
 * Returns {nodes: [{id, layer?|block?}], edges: [{source, target, skip}]}: a layer inside a
 * collapsed block (its outermost collapsed ancestor wins) is replaced by the block; edges
 * inside one collapsed block vanish and parallel edges merge.
 */
export function visibleGraph(structure, collapsed = new Set()) {
  const blocks = new Map(structure.blocks.map((b) => [b.id, b]));
  const holder = (name) => {
    let found = null;
    for (let id = structure.nodes.find((n) => n.name === name)?.block ?? null; id; id = blocks.get(id)?.parent ?? null) {
      if (collapsed.has(id)) found = id;
    }
    return found;
  };
  const owner = new Map(structure.nodes.map((n) => [n.name, holder(n.name)]));
  const nodes = [];
  const seen = new Set();
  for (const n of structure.nodes) {
    const block = owner.get(n.name);
    const id = block ? `block:${block}` : n.name;
    if (seen.has(id)) continue;
    seen.add(id);
    nodes.push(block ? { id, block: blocks.get(block) } : { id, layer: n });
  }
  const edges = [];
  const edgeKeys = new Map();
  for (const e of structure.edges) {
    const s = owner.get(e.source) ? `block:${owner.get(e.source)}` : e.source;
    const t = owner.get(e.target) ? `block:${owner.get(e.target)}` : e.target;
    if (s === t) continue;
    const key = `${s}\u0000${t}`;
    if (edgeKeys.has(key)) {
      edgeKeys.get(key).skip ||= e.skip;
      continue;
    }
    const edge = { source: s, target: t, skip: e.skip };
    edgeKeys.set(key, edge);
    edges.push(edge);
  }
  return { nodes, edges };
}

/** Blocks worth collapsing by default: residual blocks and inception modules. */
export function repeatedBlocks(structure) {
  return structure.blocks.filter((b) => b.collapsible).map((b) => b.id);
}

/** ?model=…&order=chw|hwc&collapse=a,b -> {model, order, collapsed: Set}. */
export function structureState(search) {
  const params = new URLSearchParams(search);
  const order = params.get("order") === "hwc" ? "hwc" : "chw";
  const collapse = params.get("collapse");
  return { model: params.get("model") ?? "", order, collapsed: new Set(collapse ? collapse.split(",").filter(Boolean) : []) };
}

/** The inverse of structureState (defaults left out). */
export function structureSearch(state) {
  const params = new URLSearchParams();
  if (state.model) params.set("model", state.model);
  if (state.order === "hwc") params.set("order", "hwc");
  if (state.collapsed.size) params.set("collapse", [...state.collapsed].join(","));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The explainer's URL for one layer of one model. */
export function explainerHref(model, layer) {
  const params = new URLSearchParams({ model, layer });
  return `./?${params}`;
}

/**
 * Frames to draw around expanded residual / inception blocks: [{block, members, parent}],
 * members being the visible node ids whose innermost framed block it is (what dagre nests).
 */
export function frames(structure, graph) {
  const blocks = new Map(structure.blocks.map((b) => [b.id, b]));
  const visible = new Set(graph.nodes.map((n) => n.id));
  const framed = structure.blocks.filter((b) => b.collapsible && b.members.some((m) => visible.has(m)));
  const framedIds = new Set(framed.map((b) => b.id));
  const innermostFramed = (id) => {
    for (let b = id; b; b = blocks.get(b)?.parent ?? null) if (framedIds.has(b)) return b;
    return null;
  };
  const members = new Map(framed.map((b) => [b.id, []]));
  for (const n of graph.nodes) {
    const start = n.layer ? n.layer.block : n.block.parent;
    const f = innermostFramed(start);
    if (f) members.get(f).push(n.id);
  }
  return framed.map((b) => ({ block: b, members: members.get(b.id), parent: innermostFramed(b.parent) }));
}
