import assert from "node:assert/strict";
import { test } from "node:test";
import { HIDDEN_KEY, explorerSettings, fieldValue, panelUrl, panelsHidden, quotedNumbers, rememberHidden } from "../../../src/convscope/web/js/core/explain.js";
import { shapeText } from "../../../src/convscope/web/js/core/format.js";
import { decodeState, encodeState } from "../../../src/convscope/web/js/core/urlstate.js";

const conv = { name: "conv_1", output_shape: [10, 62, 62], view: "conv", inputs: ["input"], hyper: { kernel: [3, 3], stride: [1, 1], padding_sides: [0, 0, 0, 0], dilation: [1, 1] } };
const input = { name: "input", output_shape: [3, 64, 64], view: null, inputs: [] };
const ctx = { model: "m 1", info: { model: "m 1", image: "abc" }, layer: conv, byName: new Map([["conv_1", conv], ["input", input]]) };
const state = { channel: 2, y: 3, x: 4, input: null, order: "chw", H: null, K: null, S: null, P: null, D: null, op: "conv" };

test("a detail view's panel is asked for at the state's position and shape order", () => {
  assert.equal(panelUrl("conv", state, ctx), "api/models/m%201/traces/abc/layers/conv_1/explanation?channel=2&y=3&x=4&order=chw");
  assert.equal(panelUrl("conv", { ...state, y: null, x: null, order: "hwc" }, ctx), "api/models/m%201/traces/abc/layers/conv_1/explanation?channel=2&y=0&x=0&order=hwc");
});

test("the formula view's panel names the input channel; the softmax's the class", () => {
  assert.match(panelUrl("formula", { ...state, input: 1 }, ctx), /channel=2&y=3&x=4&input=1&order=chw$/);
  assert.equal(panelUrl("softmax", { ...state, channel: 7 }, ctx), "api/models/m%201/traces/abc/probabilities/explanation?index=7");
  assert.equal(panelUrl("softmax", { ...state, channel: null }, ctx), "api/models/m%201/traces/abc/probabilities/explanation");
});

test("vector layers are asked for by index", () => {
  const fc = { name: "fc", output_shape: [10], view: "linear", inputs: ["flatten"] };
  assert.match(panelUrl("linear", { ...state, channel: 5 }, { ...ctx, layer: fc }), /layers\/fc\/explanation\?index=5&order=chw$/);
});

test("the overview needs no trace; detail panels do", () => {
  assert.equal(panelUrl("overview", { order: "hwc" }, { ...ctx, info: null }), "api/models/m%201/explanation?order=hwc");
  assert.equal(panelUrl("conv", state, { ...ctx, info: null }), null);
});

test("the explorer's panel takes the URL's settings, else the layer's, else the defaults", () => {
  assert.equal(explorerSettings({ ...state, H: 9, K: 2, op: "pool" }, conv, ctx.byName).size, 9);
  assert.equal(explorerSettings(state, conv, ctx.byName).kernel, 3);
  assert.match(panelUrl("explorer", state, { ...ctx, layer: null }), /^api\/explanation\/explorer\?size=7&kernel=3/);
});

test("quoted numbers are read back from the payload by their field path", () => {
  const payload = { terms: [{ sum: 0.25 }, { sum: -1.5 }], bias: 0.1 };
  assert.equal(fieldValue(payload, "terms.1.sum"), -1.5);
  assert.equal(fieldValue(payload, "terms.9.sum"), undefined);
  const panel = { worked: [["out ", { text: "0.10", value: 0.1, field: "bias" }], [{ text: "−1.50", value: -1.5, field: "terms.1.sum" }]] };
  assert.deepEqual(quotedNumbers(panel).map((n) => n.field), ["bias", "terms.1.sum"]);
});

test("hiding the panels is remembered, and a storage that refuses is survived", () => {
  const store = new Map();
  const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v) };
  assert.equal(panelsHidden(storage), false);
  rememberHidden(storage, true);
  assert.equal(store.get(HIDDEN_KEY), "hidden");
  assert.equal(panelsHidden(storage), true);
  const refusing = { getItem: () => { throw new Error("denied"); }, setItem: () => { throw new Error("denied"); } };
  assert.equal(panelsHidden(refusing), false);
  rememberHidden(refusing, true); // no throw
  assert.equal(panelsHidden(undefined), false);
});

test("shapes are written C×H×W or H×W×C; vectors stay as they are", () => {
  assert.equal(shapeText([10, 26, 26]), "10×26×26");
  assert.equal(shapeText([10, 26, 28], "hwc"), "26×28×10");
  assert.equal(shapeText([1690], "hwc"), "1690");
});

test("the shape order lives in the URL as order=hwc, C×H×W by default", () => {
  assert.equal(decodeState("").order, "chw");
  assert.equal(decodeState("?order=hwc").order, "hwc");
  assert.equal(decodeState("?order=nhwc").order, "chw");
  assert.equal(encodeState({ ...decodeState(""), order: "hwc" }), "?order=hwc");
  assert.equal(encodeState(decodeState("?order=chw")), "");
});

test("settings the explorer would not send to the server get no panel request", () => {
  assert.equal(panelUrl("explorer", { ...state, H: 9, K: 0, S: 1, P: 0, D: 1 }, { ...ctx, layer: null }), null);
});
