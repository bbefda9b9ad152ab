import assert from "node:assert/strict";
import { test } from "node:test";
import { CONTROL_ROWS, TOP_K, classPage, classPageText } from "../../../src/convscope/web/js/core/classlist.js";
import { anyReduced, cellText, mapBox, reducedText, reducedValueCount } from "../../../src/convscope/web/js/core/reduced.js";

const names = Array.from({ length: 25 }, (_, i) => `class ${i}`);
const ranking = names.map((_, i) => 24 - i); // most probable first: 24, 23, …

test("up to k classes are all shown in index order, with no search or pager", () => {
  const list = classPage(["cat", "dog"], [1, 0], { query: "d" }, 2);
  assert.deepEqual(list.channels, [0, 1]);
  assert.equal(list.paged, false);
  assert.equal(list.slots, 2);
});

test("many classes show the k most probable first, in the server's ranking", () => {
  const list = classPage(names, ranking);
  assert.deepEqual(list.channels, [24, 23, 22, 21, 20, 19, 18, 17, 16, 15]);
  assert.equal(list.slots, TOP_K + CONTROL_ROWS); // the column's height does not depend on the class count
  assert.equal(classPageText(list), "top 1–10 of 25");
});

test("pages step through the ranking and clamp at the last page", () => {
  const list = classPage(names, ranking, { page: 7 });
  assert.equal(list.page, 2);
  assert.deepEqual(list.channels, [4, 3, 2, 1, 0]);
  assert.equal(classPageText(list), "21–25 of 25");
});

test("a search keeps the ranking's order among the matching names, ignoring case", () => {
  const list = classPage(names, ranking, { query: " CLASS 1" });
  assert.deepEqual(list.channels, [19, 18, 17, 16, 15, 14, 13, 12, 11, 10]);
  assert.equal(list.matches, 11);
  assert.equal(classPageText(list), "1–10 of 11 matching");
  const none = classPage(names, ranking, { query: "zebra" });
  assert.deepEqual(none.channels, []);
  assert.equal(classPageText(none), "no class matches “zebra”");
});

test("before a trace the classes come in index order", () => {
  assert.deepEqual(classPage(names, null).channels, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test("a reduced cell names the block of traced cells it stands for, clipped at the edge", () => {
  const header = { block: 8, reduce: "max", full_shape: [64, 20, 224] };
  assert.equal(cellText(header, 2, 27, "0.5"), "largest value of cells y 16–19, x 216–223: 0.5");
  assert.equal(cellText({}, 2, 3, "1"), "value at (y 2, x 3): 1");
});

test("the legend words each reduction used with its block sizes, and nothing when none is", () => {
  const text = reducedText([{ block: 2, reduce: "max" }, { block: 8, reduce: "max" }, { block: 7, reduce: "mean" }, {}]);
  assert.match(text, /non-negative maps: the largest value of each 2×2 to 8×8 block/);
  assert.match(text, /the input: the mean of each 7×7 block/);
  assert.equal(reducedText([{ layer: "a" }]), "");
});

test("reduced value counts follow the server's integer block factor", () => {
  const columns = [
    { type: "maps", shape: [64, 224, 224], channels: [0, 1] },
    { type: "maps", shape: [64, 14, 14], channels: [0] },
    { type: "vector", shape: [4096], channels: [0] },
  ];
  assert.equal(mapBox(30.5, 2), 61);
  assert.equal(reducedValueCount(columns, 31), 2 * 28 * 28 + 14 * 14 + 4096);
  assert.equal(anyReduced(columns, 31), true);
  assert.equal(anyReduced(columns.slice(1), 31), false);
});
