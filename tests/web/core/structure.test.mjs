import assert from "node:assert/strict";
import { test } from "node:test";
import { costLevel, explainerHref, frames, nodeLines, shapeText, structureSearch, structureState, visibleGraph } from "../../../src/convscope/web/js/core/structure.js";
import { archSearch, archState, logLength, overlaySeries, parameterSplit } from "../../../src/convscope/web/js/core/architectures.js";

// input -> a.conv -> a.relu -> add(a.relu, input) -> fc : one residual block "a".
const STRUCTURE = {
  nodes: [
    { name: "input", kind: "input", output_shape: [3, 8, 8], params: 0, mults: 0, block: null },
    { name: "a.conv", kind: "conv2d", output_shape: [3, 8, 8], params: 84, mults: 5184, block: "a" },
    { name: "a.relu", kind: "relu", output_shape: [3, 8, 8], params: 0, mults: 0, block: "a" },
    { name: "add", kind: "add", output_shape: [3, 8, 8], params: 0, mults: 0, block: "a" },
    { name: "fc", kind: "linear", output_shape: [10], params: 1930, mults: 1920, block: null },
  ],
  edges: [
    { source: "input", target: "a.conv", skip: false },
    { source: "a.conv", target: "a.relu", skip: false },
    { source: "a.relu", target: "add", skip: false },
    { source: "input", target: "add", skip: true },
    { source: "add", target: "fc", skip: false },
  ],
  blocks: [{ id: "a", kind: "residual", parent: null, module_class: "Block", members: ["a.conv", "a.relu", "add"], params: 84, mults: 5184, output_shape: [3, 8, 8], repeats: 1, collapsible: true, explain: "residual" }],
};

test("shapes are written C×H×W or H×W×C; vectors stay as they are", () => {
  assert.equal(shapeText([10, 62, 60]), "10×62×60");
  assert.equal(shapeText([10, 62, 60], "hwc"), "62×60×10");
  assert.equal(shapeText([1690], "hwc"), "1690");
});

test("a node's lines carry its kind, shape and counts with thousands separators", () => {
  assert.deepEqual(nodeLines(STRUCTURE.nodes[1], "hwc"), ["a.conv", "conv2d · 8×8×3", "params 84 · mults 5,184"]);
});

test("expanded, the visible graph is every node and edge", () => {
  const g = visibleGraph(STRUCTURE);
  assert.equal(g.nodes.length, 5);
  assert.deepEqual(g.edges.map((e) => [e.source, e.target, e.skip]), STRUCTURE.edges.map((e) => [e.source, e.target, e.skip]));
});

test("a collapsed block is one node; its inner edges vanish and parallel edges merge keeping the skip mark", () => {
  const g = visibleGraph(STRUCTURE, new Set(["a"]));
  assert.deepEqual(g.nodes.map((n) => n.id), ["input", "block:a", "fc"]);
  assert.deepEqual(g.edges, [{ source: "input", target: "block:a", skip: true }, { source: "block:a", target: "fc", skip: false }]);
});

test("frames hold the visible nodes of an expanded residual block, none when it is collapsed", () => {
  assert.deepEqual(frames(STRUCTURE, visibleGraph(STRUCTURE)).map((f) => [f.block.id, f.members]), [["a", ["a.conv", "a.relu", "add"]]]);
  assert.deepEqual(frames(STRUCTURE, visibleGraph(STRUCTURE, new Set(["a"]))), []);
});

test("cost levels rise with multiplications on a log scale", () => {
  assert.equal(costLevel(0, 1e6), 0);
  assert.equal(costLevel(1e6, 1e6), 5);
  assert.ok(costLevel(1e3, 1e6) < costLevel(1e5, 1e6));
});

test("the structure URL state round-trips and the explainer link names model and layer", () => {
  const state = { model: "resnet18", order: "hwc", collapsed: new Set(["layer1.0", "layer1.1"]) };
  assert.deepEqual(structureState(structureSearch(state)), state);
  assert.equal(structureSearch({ model: "", order: "chw", collapsed: new Set() }), "");
  assert.equal(explainerHref("resnet18", "layer1.0.conv1"), "./?model=resnet18&layer=layer1.0.conv1");
});

test("log lengths are 0 for nothing and the full span at the top", () => {
  assert.equal(logLength(0, 100, 50), 0);
  assert.equal(logLength(100, 100, 50), 50);
});

test("the parameter split adds to 100 percent", () => {
  const split = parameterSplit({ params: 200, conv_params: 50, dense_params: 140, other_params: 10 });
  assert.deepEqual(split, { conv: 25, dense: 70, rest: 5 });
});

test("the overlay follows only conv and dense layers, spread over [0, 1]", () => {
  const facts = { layers: [{ name: "c", weighted: true, params: 1, mults: 2 }, { name: "r", weighted: false, params: 0, mults: 0 }, { name: "f", weighted: true, params: 3, mults: 4 }] };
  const [a] = overlaySeries(facts, facts, "mults");
  assert.deepEqual(a, [{ x: 0, y: 2, name: "c" }, { x: 1, y: 4, name: "f" }]);
  assert.deepEqual(archState(archSearch({ models: ["lenet5", "vgg16"], overlay: ["lenet5", "vgg16"] })), { models: ["lenet5", "vgg16"], overlay: ["lenet5", "vgg16"] });
});
