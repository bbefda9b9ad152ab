import assert from "node:assert/strict";
import { test } from "node:test";
import { fitMapSize, incomingEdges, overviewColumns, overviewLayout, shownChannels } from "../../../src/convscope/web/js/core/layout.js";
import { branches, tinyvgg } from "./fixtures.mjs";

test("flatten is hidden and the output layer becomes the class column", () => {
  const names = overviewColumns(tinyvgg).map((c) => `${c.name}:${c.type}`);
  assert.deepEqual(names, ["input:maps", "conv_1_1:maps", "relu_1_1:maps", "max_pool_1:maps", "conv_2_1:maps", "relu_2_1:maps", "max_pool_2:maps", "output:classes"]);
});

test("a softmax output folds its logits layer into the class column; other vectors stay", () => {
  const cols = overviewColumns(branches);
  assert.deepEqual(cols.map((c) => c.name), ["input", "a", "b", "cat", "dw", "add", "pool", "hidden", "softmax"]);
  assert.equal(cols.find((c) => c.name === "hidden").type, "vector");
});

test("layers with more than 16 channels show the first 16", () => {
  assert.deepEqual(shownChannels([20, 11, 11]), [...Array(16).keys()]);
  assert.deepEqual(shownChannels([3, 8, 8]), [0, 1, 2]);
  assert.deepEqual(shownChannels([7]), [0]);
});

test("a convolution reads every input channel; an activation only its own", () => {
  const cols = overviewColumns(tinyvgg);
  assert.deepEqual(incomingEdges("conv_1_1", 2, tinyvgg, cols), [{ from: "input", channel: 0 }]);
  assert.equal(incomingEdges("conv_2_1", 0, tinyvgg, cols).length, 4);
  assert.deepEqual(incomingEdges("relu_2_1", 7, tinyvgg, cols), [{ from: "conv_2_1", channel: 7 }]);
});

test("edges from a hidden channel are dropped and flatten is looked through", () => {
  const cols = overviewColumns(tinyvgg);
  assert.deepEqual(incomingEdges("max_pool_2", 17, tinyvgg, cols), []);
  const toClass = incomingEdges("output", 1, tinyvgg, cols);
  assert.equal(toClass.length, 16);
  assert.ok(toClass.every((e) => e.from === "max_pool_2"));
});

test("concat maps each output channel to one branch at an offset", () => {
  const cols = overviewColumns(branches);
  assert.deepEqual(incomingEdges("cat", 1, branches, cols), [{ from: "a", channel: 1 }]);
  assert.deepEqual(incomingEdges("cat", 2, branches, cols), [{ from: "b", channel: 0 }]);
  assert.deepEqual(incomingEdges("cat", 4, branches, cols), [{ from: "b", channel: 2 }]);
});

test("a residual add reads the same channel of both inputs; a depthwise conv only its group", () => {
  const cols = overviewColumns(branches);
  assert.deepEqual(incomingEdges("add", 3, branches, cols), [{ from: "dw", channel: 3 }, { from: "cat", channel: 3 }]);
  assert.deepEqual(incomingEdges("dw", 3, branches, cols), [{ from: "cat", channel: 3 }]);
});

test("the class column of a softmax model connects through the logits to the hidden vector", () => {
  const cols = overviewColumns(branches);
  assert.deepEqual(incomingEdges("softmax", 0, branches, cols), [{ from: "hidden", channel: 0 }]);
});

test("the class column folds in the layer the server names as the logits", () => {
  const cols = overviewColumns({ ...branches, logits_layer: "hidden" });
  assert.ok(!cols.some((c) => c.name === "hidden"));
  assert.ok(cols.some((c) => c.name === "fc"));
});

test("edges follow the server's connectivity, not kind names", () => {
  const renamed = { ...branches, layers: branches.layers.map((l) => ({ ...l, kind: "other" })) };
  const cols = overviewColumns(renamed);
  for (const [name, channel] of [["cat", 4], ["dw", 3], ["add", 3], ["pool", 2]]) {
    assert.deepEqual(incomingEdges(name, channel, renamed, cols), incomingEdges(name, channel, branches, overviewColumns(branches)), name);
  }
  const widened = { ...branches, layers: branches.layers.map((l) => (l.name === "add" ? { ...l, connectivity: { mode: "all" } } : l)) };
  assert.equal(incomingEdges("add", 3, widened, overviewColumns(widened)).length, 10);
});

test("a grouped conv reads only its group's input channels", () => {
  const two = { ...branches, layers: branches.layers.map((l) => (l.name === "dw" ? { ...l, connectivity: { mode: "grouped", groups: 2, in_per_group: 2, out_per_group: 3 } } : l)) };
  const cols = overviewColumns(two);
  assert.deepEqual(incomingEdges("dw", 4, two, cols), [{ from: "cat", channel: 2 }, { from: "cat", channel: 3 }]);
});

test("columns never overlap and every map lies inside the stage", () => {
  const cols = overviewColumns(tinyvgg);
  const layout = overviewLayout(cols, { mapSize: 30 });
  for (let i = 1; i < layout.columns.length; i += 1) {
    const prev = layout.columns[i - 1];
    assert.ok(layout.columns[i].x >= prev.x + prev.width, `column ${i} overlaps column ${i - 1}`);
  }
  for (const col of layout.columns) {
    for (let j = 1; j < col.maps.length; j += 1) assert.ok(col.maps[j].y >= col.maps[j - 1].y + col.maps[j - 1].h);
    for (const m of col.maps) {
      assert.ok(m.x >= 0 && m.x + m.w <= layout.width);
      assert.ok(m.y >= 0 && m.y + m.h <= layout.height);
    }
  }
});

test("map size fits the tallest column into the space available, within bounds", () => {
  const cols = overviewColumns(tinyvgg); // 16 maps in the tallest column
  assert.equal(fitMapSize(cols, 16 * 40 + 15 * 6), 40);
  assert.equal(fitMapSize(cols, 100), 22);
  assert.equal(fitMapSize(cols, 10000), 64);
});
