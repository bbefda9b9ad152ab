import assert from "node:assert/strict";
import { test } from "node:test";
import { boxText, contextBox, headline, offersLayer, paddingText, patchLayout, patchesUrl, pollDelay, progressFraction, progressText, sourceText, visualiseUrl } from "../../../src/convscope/web/js/core/topk.js";

test("top-k URLs name the model, layer, channel and dataset, and the Insight link its visualisation", () => {
  assert.equal(patchesUrl("default", "conv_2_1", { channel: 3 }), "api/models/default/insight/topk/conv_2_1?channel=3");
  assert.equal(patchesUrl("a b", "x/y", { channel: 0, k: 4, data: "samples" }), "api/models/a%20b/insight/topk/x%2Fy?channel=0&k=4&data=samples");
  assert.equal(visualiseUrl("default", "conv_2_1", 3), "insight?model=default&layer=conv_2_1&channel=3#visualize");
});

test("a patch sits inside its box after the padding rows and columns, in whole pixels per input pixel", () => {
  const corner = patchLayout({ box: [-2, -2, 3, 3], padding: [2, 2, 0, 0] }, 100);
  assert.deepEqual(corner, { scale: 20, width: 100, height: 100, image: { left: 40, top: 40, width: 60, height: 60 } });
  const inside = patchLayout({ box: [16, 14, 26, 24], padding: [0, 0, 0, 0] }, 112);
  assert.deepEqual(inside.image, { left: 0, top: 0, width: 110, height: 110 });
  const huge = patchLayout({ box: [-300, -300, 328, 328], padding: [300, 300, 300, 300] }, 112);
  assert.equal(huge.scale, 1); // never below one pixel per input pixel
  assert.deepEqual(patchLayout({ box: [0, 5, 2, 6], padding: [0, 0, 1, 0] }, 10).image, { left: 0, top: 0, width: 5, height: 5 });
});

test("boxes and padding are said in words", () => {
  assert.equal(boxText([16, 14, 26, 24]), "rows 16–25, columns 14–23");
  assert.equal(boxText([-2, -2, 3, 3]), "rows -2–2, columns -2–2");
  assert.equal(paddingText([0, 0, 0, 0]), "");
  assert.equal(paddingText([1, 0, 0, 0]), "1 row above is padding");
  assert.equal(paddingText([2, 2, 0, 0]), "2 rows above, 2 columns left are padding");
  assert.equal(paddingText([0, 0, 1, 3]), "1 row below, 3 columns right are padding");
});

test("an entry names its sample or its dataset index and true label", () => {
  assert.equal(sourceText({ index: 9162, id: null, label: "Ankle boot" }), "dataset image #9162 (Ankle boot)");
  assert.equal(sourceText({ index: 4, id: "koala_1", label: "koala" }), "sample koala_1 (koala)");
  assert.equal(sourceText({ index: 4, id: "koala_1", label: null }), "sample koala_1");
});

test("progress reads the stage and the images done, and the bar is indeterminate until the size is known", () => {
  const dataset = { name: "the Fashion-MNIST test split" };
  assert.equal(progressText({ status: "running", done: 4500, total: 10000, dataset }), "Looking through the Fashion-MNIST test split: 4,500 of 10,000 images");
  assert.equal(progressText({ status: "loading", done: 0, total: null, dataset: { name: "the image folder shapes" } }), "Reading the image folder shapes");
  assert.equal(progressText({ status: "queued", done: 0, total: 30, dataset }), "Waiting for another pass to finish");
  assert.equal(progressFraction({ done: 2500, total: 10000 }), 0.25);
  assert.equal(progressFraction({ done: 0, total: null }), null);
  assert.deepEqual([0, 1, 2, 9].map(pollDelay), [250, 250, 1000, 1000]);
});

test("the headline counts the patches and the dataset; the offer decides which layers have patches", () => {
  const data = { k: 9, channel: 3, layer: "conv_2_1", dataset: { name: "the Fashion-MNIST test split", size: 10000 } };
  assert.equal(headline(data), "The 9 of 10,000 images in the Fashion-MNIST test split that excite channel 3 of conv_2_1 most, best first");
  assert.equal(headline({ ...data, k: 1, dataset: { name: "x", size: 21 } }), "The 1 of 21 images in x that excites channel 3 of conv_2_1 most, best first");
  assert.equal(offersLayer({ layers: ["conv_1_1"] }, "conv_1_1"), true);
  assert.equal(offersLayer({ layers: ["conv_1_1"] }, "flatten"), false);
  assert.equal(offersLayer(null, "conv_1_1"), false);
});

test("the context thumbnail outlines the part of the box inside the image", () => {
  assert.deepEqual(contextBox({ clipped: [0, 7, 14, 28] }, [28, 28]), { left: 25, top: 0, width: 75, height: 50 });
  assert.deepEqual(contextBox({ clipped: [0, 0, 64, 64] }, [64, 64]), { left: 0, top: 0, width: 100, height: 100 });
});

test("Esc from the patches steps back to the detail view, and the dataset lives in the URL", async () => {
  const { backFrom } = await import("../../../src/convscope/web/js/core/detail.js");
  const { decodeState, encodeState } = await import("../../../src/convscope/web/js/core/urlstate.js");
  assert.deepEqual(backFrom({ view: "topk", layer: "conv_2_1" }), { view: "detail", input: null });
  const state = decodeState("?model=default&view=topk&layer=conv_2_1&channel=3&data=samples");
  assert.equal(state.data, "samples");
  assert.equal(encodeState(state), "?model=default&view=topk&layer=conv_2_1&channel=3&data=samples");
  assert.equal(decodeState("?view=topk").data, "");
});
