import assert from "node:assert/strict";
import { test } from "node:test";
import { colourOf, fmt, readState, writeState } from "../../../src/convscope/web/js/core/insight.js";

test("insight URL state round-trips and refuses unknown methods and non-numeric classes", () => {
  const state = readState("?model=gray&image=sample_1&layer=conv_1_1&class=2&method=integrated-gradients");
  assert.deepEqual(state, { model: "gray", image: "sample_1", layer: "conv_1_1", klass: 2, method: "integrated-gradients" });
  assert.deepEqual(readState(writeState(state)), state);
  assert.equal(readState("?method=lime&class=x").method, "gradcam");
  assert.equal(readState("?class=-1").klass, null);
});

test("insight colours are blue-white-red when signed and white-red otherwise", () => {
  assert.deepEqual(colourOf(-2, -2, 1, true), [0, 0, 255]);
  assert.deepEqual(colourOf(0, -2, 1, true), [255, 255, 255]);
  assert.deepEqual(colourOf(2, -2, 1, true), [255, 0, 0]);
  assert.deepEqual(colourOf(0.5, 0, 1, false), [255, 128, 128]);
  assert.equal(fmt(0.012345), "0.0123");
  assert.equal(fmt(null), "–");
});
