import assert from "node:assert/strict";
import { test } from "node:test";
import { domainFor, isSigned, layerBlocks, legendsFor, scaleContext } from "../../../src/convscope/web/js/core/scales.js";
import { tinyvgg } from "./fixtures.mjs";

// A layer as the server describes it; only the view fields matter here.
const VIEWS = {
  input: { view: null, display: "input", signed: false },
  conv2d: { view: "conv", display: "values", signed: true },
  relu: { view: "activation", display: "values", signed: false },
  maxpool2d: { view: "pool", display: "values", signed: false },
  add: { view: "add", display: "values", signed: true },
};
const L = (name, kind = "conv2d") => ({ name, kind, ...VIEWS[kind] });

/** Each named layer is in the block given for it. */
function assertBlocks(blocks, expected) {
  for (const [layer, block] of Object.entries(expected)) assert.equal(blocks.get(layer), block, layer);
}

test("pools close blocks in a plain network", () => {
  assertBlocks(layerBlocks(tinyvgg.layers), {
    input: "input", conv_1_1: "block 1", max_pool_1: "block 1", conv_2_1: "block 2", max_pool_2: "block 2", output: "block 3",
  });
});

test("model-defined blocks come from module names; Sequential indices do not count", () => {
  const blocks = layerBlocks([L("input", "input"), L("conv1"), L("maxpool", "maxpool2d"), L("layer1.0.conv1"), L("layer1.0.relu", "relu"), L("add", "add"), L("layer1.1.conv1"), L("inception3a.branch2.0.conv"), L("features.0"), L("features.1", "relu"), L("features.2", "maxpool2d"), L("features.3")]);
  assertBlocks(blocks, {
    conv1: "block 1", maxpool: "block 1", "layer1.0.conv1": "layer1.0", add: "layer1.0",
    "layer1.1.conv1": "layer1.1", "inception3a.branch2.0.conv": "inception3a",
  });
  assert.equal(blocks.get("features.0"), blocks.get("features.1"));
  assert.notEqual(blocks.get("features.3"), blocks.get("features.0"));
});

function context() {
  const ranges = new Map([
    ["input", { min: 0, max: 1, channel_ranges: [[0.2, 0.9]] }],
    ["conv_1_1", { min: -2, max: 1, channel_ranges: [[-2, 1], [-0.5, 0.25], [0, 1], [-1, 0]] }],
    ["relu_1_1", { min: 0, max: 1, channel_ranges: [[0, 1], [0, 0.25], [0, 1], [0, 0]] }],
    ["max_pool_1", { min: 0, max: 1, channel_ranges: [[0, 1], [0, 0.25], [0, 1], [0, 0]] }],
    ["conv_2_1", { min: -3, max: 5, channel_ranges: Array(20).fill([-3, 5]) }],
  ]);
  return scaleContext(tinyvgg.layers, ranges, ["input", "conv_1_1", "relu_1_1", "max_pool_1", "conv_2_1"]);
}

test("per-map domains are centred on zero at the map's largest absolute value", () => {
  const ctx = context();
  assert.deepEqual(domainFor("unit", "conv_1_1", 1, ctx), { scheme: "diverging", lo: -0.5, hi: 0.5 });
  assert.deepEqual(domainFor("unit", "relu_1_1", 1, ctx), { scheme: "sequential", lo: 0, hi: 0.25 });
});

test("per-block domains share the block's extent; global ones the whole network's", () => {
  const ctx = context();
  assert.deepEqual(domainFor("block", "relu_1_1", 1, ctx), { scheme: "sequential", lo: 0, hi: 2 });
  assert.deepEqual(domainFor("block", "conv_2_1", 0, ctx), { scheme: "diverging", lo: -5, hi: 5 });
  assert.deepEqual(domainFor("global", "conv_1_1", 3, ctx), { scheme: "diverging", lo: -5, hi: 5 });
});

test("the input is gray over its own range, per channel in per-map mode", () => {
  const ctx = context();
  assert.deepEqual(domainFor("unit", "input", 0, ctx), { scheme: "gray", lo: 0.2, hi: 0.9 });
  assert.deepEqual(domainFor("global", "input", 0, ctx), { scheme: "gray", lo: 0, hi: 1 });
});

test("an all-zero map gets a usable domain", () => {
  const ctx = context();
  assert.deepEqual(domainFor("unit", "relu_1_1", 3, ctx), { scheme: "sequential", lo: 0, hi: 1 });
});

test("a layer the server calls signed is signed even when all positive; negative values make any layer signed", () => {
  assert.equal(isSigned(L("conv", "conv2d"), { min: 0.1, max: 2 }), true);
  assert.equal(isSigned(L("relu", "relu"), { min: 0, max: 2 }), false);
  assert.equal(isSigned(L("pool", "maxpool2d"), { min: -1, max: 2 }), true);
});

test("blocks and scales follow the server's view fields, not kind names", () => {
  const renamed = tinyvgg.layers.map((l) => ({ ...l, kind: "other" }));
  assert.deepEqual([...layerBlocks(renamed)], [...layerBlocks(tinyvgg.layers)]);
  const ranges = new Map([["input", { min: 0, max: 1, channel_ranges: [[0, 1]] }], ["conv_1_1", { min: 0, max: 1, channel_ranges: [[0, 1]] }]]);
  const ctx = scaleContext(renamed, ranges, ["input", "conv_1_1"]);
  assert.equal(domainFor("unit", "input", 0, ctx).scheme, "gray");
  assert.equal(domainFor("unit", "conv_1_1", 0, ctx).scheme, "diverging");
});

test("legends differ by mode: one per block, one global, or per map", () => {
  const ctx = context();
  assert.deepEqual(legendsFor("block", ctx).map((l) => [l.label, l.lo, l.hi]), [["input", 0, 1], ["block 1", -2, 2], ["block 2", -5, 5]]);
  assert.deepEqual(legendsFor("global", ctx).map((l) => [l.label, l.lo, l.hi]), [["input", 0, 1], ["all layers", -5, 5]]);
  assert.deepEqual(legendsFor("unit", ctx).map((l) => [l.lo, l.hi]), [[null, null], [null, null]]);
});

test("an RGB input's channels are drawn in the tints the server names, each with its own legend", () => {
  const ranges = new Map([
    ["input", { min: -2, max: 2, channel_ranges: [[-2, 1], [-1, 2], [0, 1]] }],
    ["conv_1_1", { min: -2, max: 1, channel_ranges: [[-2, 1], [-0.5, 0.25], [0, 1], [-1, 0]] }],
  ]);
  const ctx = scaleContext(tinyvgg.layers, ranges, ["input", "conv_1_1"], ["red", "green", "blue"]);
  assert.deepEqual(domainFor("unit", "input", 0, ctx), { scheme: "red", lo: -2, hi: 1 });
  assert.deepEqual(domainFor("unit", "input", 1, ctx), { scheme: "green", lo: -1, hi: 2 });
  assert.deepEqual(domainFor("block", "input", 2, ctx), { scheme: "blue", lo: -2, hi: 2 });
  assert.deepEqual(legendsFor("block", ctx).slice(0, 3).map((l) => [l.label, l.scheme, l.lo, l.hi]), [
    ["input: red channel", "red", -2, 2], ["input: green channel", "green", -2, 2], ["input: blue channel", "blue", -2, 2],
  ]);
  assert.equal(domainFor("unit", "conv_1_1", 0, ctx).scheme, "diverging"); // only the input is tinted
});

test("a one-channel input stays gray, with one legend", () => {
  const ctx = context(); // no tints given: gray
  assert.equal(domainFor("unit", "input", 0, ctx).scheme, "gray");
  const gray = scaleContext(tinyvgg.layers, new Map([["input", { min: 0, max: 1, channel_ranges: [[0, 1]] }]]), ["input"], ["gray"]);
  assert.deepEqual(legendsFor("global", gray).map((l) => [l.label, l.scheme]), [["input", "gray"], ["all layers", "sequential"]]);
});
