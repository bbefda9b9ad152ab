// The structure diagram: the visible graph (core/structure.js) laid out by dagre (vendored,
// a global `dagre`) and drawn as SVG. Layer nodes open the explainer; collapsed blocks
// expand on click; expanded residual / inception blocks get a frame with a collapse button.
import { blockLines, costLevel, nodeLines } from "../core/structure.js";

const SVG = "http://www.w3.org/2000/svg";
const NODE_W = 210;
const NODE_H = 56;
const LINE_H = 15;

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

/** dagre's layout of the visible graph: a plain layered layout (clusters cost dagre several times more) ranked
 * with its tight-tree ranker, a few times faster than network simplex on GoogLeNet's 198 nodes. */
function layout(graph) {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 18, ranksep: 34, marginx: 16, marginy: 24, ranker: "tight-tree" });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: NODE_W, height: NODE_H });
  for (const e of graph.edges) g.setEdge(e.source, e.target);
  dagre.layout(g);
  return g;
}

/** The box around a frame's members (and its nested frames' members), with room for its title. */
function frameBox(g, frame, all) {
  const ids = [...frame.members];
  for (const inner of all) if (inner.parent === frame.block.id) ids.push(...inner.members);
  const boxes = ids.map((id) => g.node(id)).filter(Boolean);
  const x0 = Math.min(...boxes.map((b) => b.x - b.width / 2)) - 8;
  const x1 = Math.max(...boxes.map((b) => b.x + b.width / 2)) + 8;
  const y0 = Math.min(...boxes.map((b) => b.y - b.height / 2)) - 20;
  const y1 = Math.max(...boxes.map((b) => b.y + b.height / 2)) + 6;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function drawFrame(root, g, frame, all, onCollapse) {
  if (!frame.members.length) return;
  const box = frameBox(g, frame, all);
  const group = el("g", { class: `frame frame-${frame.block.kind}`, "data-frame": frame.block.id }, root);
  el("rect", { x: box.x, y: box.y, width: box.width, height: box.height, rx: 8 }, group);
  const title = el("text", { x: box.x + 8, y: box.y + 14, class: "frame-title" }, group);
  title.textContent = `${frame.block.id} · ${frame.block.explain} ${frame.block.explain === "residual" ? "block" : "module"} `;
  const button = el("tspan", { class: "frame-toggle", tabindex: 0, role: "button", "aria-label": `collapse ${frame.block.id}` }, title);
  button.textContent = "[collapse]";
  const act = (event) => {
    event.stopPropagation();
    onCollapse(frame.block.id);
  };
  button.addEventListener("click", act);
  button.addEventListener("keydown", (event) => (event.key === "Enter" || event.key === " ") && act(event));
}

function drawEdge(root, g, edge) {
  const points = g.edge(edge.source, edge.target).points;
  const d = points.map((p, i) => `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
  el("path", { class: edge.skip ? "edge skip" : "edge", d, "data-source": edge.source, "data-target": edge.target, "marker-end": "url(#arrow)" }, root);
}

function drawNode(root, g, node, options) {
  const box = g.node(node.id);
  const item = node.layer ?? node.block;
  const lines = node.layer ? nodeLines(node.layer, options.order) : blockLines(node.block, options.order);
  const attrs = node.layer
    ? { class: `node cost-${costLevel(item.mults, options.top)}`, "data-name": item.name, "aria-label": `${lines.join(", ")}: open in the explainer` }
    : { class: `node block-node cost-${costLevel(item.mults, options.top)}`, "data-block": item.id, "aria-label": `${lines.join(", ")}: expand` };
  const group = el("g", { ...attrs, tabindex: 0, role: "button", transform: `translate(${box.x - NODE_W / 2},${box.y - NODE_H / 2})` }, root);
  el("rect", { width: NODE_W, height: NODE_H, rx: node.block ? 10 : 5 }, group);
  // A bar whose length grows with the parameters (log scale against the model's total).
  const share = item.params > 0 ? Math.log10(item.params + 1) / Math.log10(options.totalParams + 1) : 0;
  el("rect", { class: "param-bar", x: 0, y: NODE_H - 4, width: (NODE_W * share).toFixed(1), height: 4 }, group);
  lines.forEach((text, i) => {
    const t = el("text", { x: 8, y: 16 + i * LINE_H, class: i === 0 ? "node-name" : "node-facts" }, group);
    t.textContent = text;
  });
  const act = () => (node.layer ? options.onLayer(item.name) : options.onExpand(item.id));
  group.addEventListener("click", act);
  group.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      act();
    }
  });
}

/**
 * Draw `graph` (core/structure.js visibleGraph) into `host`.
 * options: {order, top (largest layer mults), totalParams, frames: [{block, members, parent}],
 *           onLayer(name), onExpand(blockId), onCollapse(blockId)}
 */
export function drawStructure(host, graph, options) {
  const g = layout(graph);
  const { width, height } = g.graph();
  const svg = el("svg", { class: "structure-svg", width: Math.ceil(width), height: Math.ceil(height), viewBox: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`, role: "img", "aria-label": "the layer graph" });
  const defs = el("defs", {}, svg);
  const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
  el("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" }, marker);
  const frames = el("g", { class: "frames" }, svg);
  for (const frame of options.frames) drawFrame(frames, g, frame, options.frames, options.onCollapse);
  const edges = el("g", { class: "edges" }, svg);
  for (const edge of graph.edges) drawEdge(edges, g, edge);
  const nodes = el("g", { class: "nodes" }, svg);
  for (const node of graph.nodes) drawNode(nodes, g, node, options);
  host.replaceChildren(svg);
  return svg;
}
