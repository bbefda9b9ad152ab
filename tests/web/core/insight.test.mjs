import assert from "node:assert/strict";
import { test } from "node:test";
import { cellAt, colourOf, fmt, legendTicks, legendValue, readState, whyLink, writeState } from "../../../src/convscope/web/js/core/insight.js";

test("insight URL state round-trips and refuses unknown methods and non-numeric classes", () => {
  const state = readState("?model=gray&image=sample_1&layer=conv_1_1&class=2&method=integrated-gradients&channel=4");
  assert.deepEqual(state, { model: "gray", image: "sample_1", layer: "conv_1_1", klass: 2, method: "integrated-gradients", channel: 4 });
  assert.deepEqual(readState(writeState(state)), state);
  assert.equal(readState("?method=lime&class=x").method, "gradcam");
  assert.equal(readState("?class=-1").klass, null);
  assert.equal(readState("?channel=x").channel, null);
});

test("insight colours are blue-white-red when signed and white-red otherwise", () => {
  assert.deepEqual(colourOf(-2, -2, 1, true), [0, 0, 255]);
  assert.deepEqual(colourOf(0, -2, 1, true), [255, 255, 255]);
  assert.deepEqual(colourOf(2, -2, 1, true), [255, 0, 0]);
  assert.deepEqual(colourOf(0.5, 0, 1, false), [255, 128, 128]);
  assert.equal(fmt(0.012345), "0.0123");
  assert.equal(fmt(null), "–");
});

test("the explainer's why link opens the Insight page on that image, class and Grad-CAM", () => {
  assert.equal(whyLink("default", "00000-ankle-boot", 9), "insight?model=default&image=00000-ankle-boot&class=9&method=gradcam");
  assert.deepEqual(readState(whyLink("m 1", "a&b", 0).slice("insight".length)), { model: "m 1", image: "a&b", layer: null, klass: 0, method: "gradcam", channel: null });
});

test("the overlay's legend spans −s…+s around zero when signed, low…high otherwise", () => {
  assert.deepEqual(legendTicks(-1, 4, true), [{ value: -4, at: 0 }, { value: 0, at: 0.5 }, { value: 4, at: 1 }]);
  assert.deepEqual(legendTicks(0.5, 2, false), [{ value: 0.5, at: 0 }, { value: 2, at: 1 }]);
  assert.equal(legendValue(0.5, -1, 4, true), 0);
  assert.equal(legendValue(1, -1, 4, true), 4);
  assert.equal(legendValue(0.25, 1, 3, false), 1.5);
});

test("the cell under the pointer follows the drawn size, and nothing outside it", () => {
  assert.deepEqual(cellAt(0, 0, 280, 280, 28, 28), { y: 0, x: 0 });
  assert.deepEqual(cellAt(279.9, 15, 280, 280, 28, 28), { y: 1, x: 27 });
  assert.deepEqual(cellAt(100, 50, 200, 100, 7, 4), { y: 3, x: 2 });
  assert.equal(cellAt(280, 10, 280, 280, 28, 28), null);
  assert.equal(cellAt(-1, 10, 280, 280, 28, 28), null);
  assert.equal(cellAt(5, 5, 0, 0, 28, 28), null);
});

test("the Insight page link carries the method and Grad-CAM's layer when given", () => {
  assert.equal(whyLink("default", "s", 2, "occlusion"), "insight?model=default&image=s&class=2&method=occlusion");
  assert.equal(whyLink("default", "s", 2, "gradcam", "conv_2"), "insight?model=default&image=s&layer=conv_2&class=2&method=gradcam");
});
