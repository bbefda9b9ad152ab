import assert from "node:assert/strict";
import { test } from "node:test";
import { columnsKey, incomingEdges, overviewColumns, overviewLayout } from "../../../src/convscope/web/js/core/layout.js";
import { ordersOf, pageOf, pageText } from "../../../src/convscope/web/js/core/paging.js";
import { tinyvgg } from "./fixtures.mjs";

// conv_2_1 of the fixture has 20 channels: a most-active-first order as the server sends it.
const ORDER = [7, 19, 0, 3, 12, 5, 18, 1, 9, 14, 2, 11, 6, 16, 4, 10, 13, 8, 17, 15];
const info = { layers: [{ name: "conv_2_1", channel_order: ORDER }, { name: "input", channel_order: [0] }] };

test("a big layer's first page is the 16 most active channels in the server's order", () => {
  const col = overviewColumns(tinyvgg, { orders: ordersOf(info) }).find((c) => c.name === "conv_2_1");
  assert.deepEqual(col.channels, ORDER.slice(0, 16));
  assert.deepEqual([col.page, col.pages, col.slots, col.total], [0, 2, 16, 20]);
  assert.equal(pageText(col), "1–16 of 20");
});

test("paging shows the rest once each; other layers keep their own page", () => {
  const orders = ordersOf(info);
  const col = overviewColumns(tinyvgg, { orders, pages: new Map([["conv_2_1", 1]]) }).find((c) => c.name === "conv_2_1");
  assert.deepEqual(col.channels, ORDER.slice(16));
  assert.equal(pageText(col, true), "17–20/20");
  const relu = overviewColumns(tinyvgg, { orders, pages: new Map([["conv_2_1", 1]]) }).find((c) => c.name === "relu_2_1");
  assert.deepEqual(relu.channels, [...Array(16).keys()]); // no order sent: index order, page 0
  const seen = [0, 1].flatMap((p) => pageOf(ORDER, p).channels);
  assert.deepEqual([...seen].sort((a, b) => a - b), [...Array(20).keys()]);
});

test("a page past the end clamps to the last one; small layers have one page and no pager", () => {
  const cols = overviewColumns(tinyvgg, { orders: ordersOf(info), pages: new Map([["conv_2_1", 9]]) });
  assert.equal(cols.find((c) => c.name === "conv_2_1").page, 1);
  const conv1 = cols.find((c) => c.name === "conv_1_1");
  assert.deepEqual([conv1.pages, conv1.slots], [1, 4]);
  const layout = overviewLayout(cols, { mapSize: 30 });
  assert.equal(layout.columns.find((c) => c.name === "conv_1_1").pager, null);
});

test("every page keeps 16 slots, so the column and its pager stay in place while paging", () => {
  const at = (page) => {
    const cols = overviewColumns(tinyvgg, { orders: ordersOf(info), pages: new Map([["conv_2_1", page]]) });
    return overviewLayout(cols, { mapSize: 30 }).columns.find((c) => c.name === "conv_2_1");
  };
  const [first, last] = [at(0), at(1)];
  assert.deepEqual(first.pager, last.pager);
  assert.deepEqual(last.maps.map((m) => m.y), first.maps.slice(0, 4).map((m) => m.y));
  assert.ok(first.pager.y >= first.maps.at(-1).y + first.maps.at(-1).h, "the pager sits under the last map");
});

test("pagers lie on the stage and never overlap the neighbouring column's pager", () => {
  const cols = overviewColumns(tinyvgg, { orders: ordersOf(info) });
  const layout = overviewLayout(cols, { mapSize: 22 });
  const pagers = layout.columns.filter((c) => c.pager).map((c) => c.pager);
  assert.equal(pagers.length, 3); // conv_2_1, relu_2_1, max_pool_2
  for (const p of pagers) assert.ok(p.x >= 0 && p.x + p.w <= layout.width && p.y + p.h <= layout.height);
  for (let i = 1; i < pagers.length; i += 1) assert.ok(pagers[i].x >= pagers[i - 1].x + pagers[i - 1].w);
});

test("edges follow the reordered maps: an activation connects to its own channel only when it is shown", () => {
  const orders = new Map([["conv_2_1", ORDER], ["relu_2_1", [...ORDER].reverse()]]);
  const cols = overviewColumns(tinyvgg, { orders });
  const reluShown = cols.find((c) => c.name === "relu_2_1").channels;
  for (const c of reluShown) {
    const expected = ORDER.slice(0, 16).includes(c) ? [{ from: "conv_2_1", channel: c }] : [];
    assert.deepEqual(incomingEdges("relu_2_1", c, tinyvgg, cols), expected);
  }
  assert.equal(incomingEdges("conv_2_1", ORDER[0], tinyvgg, cols).length, 4); // a conv reads every shown input map
});

test("the columns key changes exactly when the shown maps change", () => {
  const orders = ordersOf(info);
  const key = (page) => columnsKey(overviewColumns(tinyvgg, { orders, pages: new Map([["conv_2_1", page]]) }));
  assert.equal(key(0), key(0));
  assert.notEqual(key(0), key(1));
  assert.notEqual(columnsKey(overviewColumns(tinyvgg)), key(0));
});
