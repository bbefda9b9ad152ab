import assert from "node:assert/strict";
import { test } from "node:test";
import {
  backFrom, fixed2, pageOf, positionOf, tapBox, viewForLayer, wrapCell, wrapIndex,
} from "../../../src/convscope/web/js/core/detail.js";
import { tinyvgg } from "./fixtures.mjs";

test("the detail view is the one the server names for the layer; the input has none", () => {
  const views = Object.fromEntries(tinyvgg.layers.map((l) => [l.name, viewForLayer(l)]));
  assert.deepEqual(views, {
    input: null, conv_1_1: "conv", relu_1_1: "activation", max_pool_1: "pool", conv_2_1: "conv",
    relu_2_1: "activation", max_pool_2: "pool", flatten: "step", output: "linear",
  });
  assert.equal(viewForLayer({ kind: "other", view: null }), null);
  assert.equal(viewForLayer(undefined), null);
});

test("Esc steps back one level at a time", () => {
  assert.deepEqual(backFrom({ view: "formula", layer: "c", input: 2 }), { view: "detail", input: null });
  assert.deepEqual(backFrom({ view: "detail", layer: "c" }), { view: "overview", channel: null, y: null, x: null, input: null });
  assert.deepEqual(backFrom({ view: "explorer", layer: "" }), { view: "overview", channel: null, y: null, x: null, input: null });
  assert.equal(backFrom({ view: "overview", layer: "c" }), null);
});

test("positions use channel, y, x on maps and the channel field as the unit index on vectors", () => {
  assert.deepEqual(positionOf([10, 5, 5], { channel: 3, y: null, x: 4 }), { channel: 3, y: 0, x: 4 });
  assert.deepEqual(positionOf([10], { channel: 7, y: null, x: null }), { index: 7 });
  assert.deepEqual(positionOf([10], { channel: null }), { index: 0 });
});

test("two decimals with a true minus sign, never a negative zero", () => {
  assert.equal(fixed2(-1.23456), "−1.23");
  assert.equal(fixed2(-0.001), "0.00");
  assert.equal(fixed2(0.125), "0.13");
  assert.equal(fixed2(null), "–");
});

test("pages cover every channel once and clamp out-of-range pages", () => {
  const order = Array.from({ length: 40 }, (_, i) => 39 - i);
  const seen = [0, 1, 2].flatMap((p) => pageOf(order, p).channels);
  assert.deepEqual(seen, order);
  assert.equal(pageOf(order, 0).pages, 3);
  assert.deepEqual(pageOf(order, 9), { channels: order.slice(32), page: 2, pages: 3 });
  assert.deepEqual(pageOf([], 0), { channels: [], page: 0, pages: 1 });
});

test("wrapped vector cells map back to their index", () => {
  for (const i of [0, 5, 127, 128, 1689]) {
    const { row, col } = wrapCell(i, 128);
    assert.equal(wrapIndex(row, col, 128, 1690), i);
  }
  assert.equal(wrapIndex(13, 40, 128, 1690), null);
});

test("a window's box is clipped to the map and null when it lies in the padding only", () => {
  assert.deepEqual(tapBox([-1, 0, 1], [3, 5, 7], 8, 8), { top: 0, left: 3, height: 2, width: 5 });
  assert.equal(tapBox([-3, -2], [0, 1], 8, 8), null);
});
