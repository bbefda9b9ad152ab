import assert from "node:assert/strict";
import { test } from "node:test";
import { backFrom } from "../../../src/convscope/web/js/core/detail.js";
import { decodeState, defaultState, encodeState } from "../../../src/convscope/web/js/core/urlstate.js";
import { attributionParams, classOrder, whyHref, whyPatch } from "../../../src/convscope/web/js/core/why.js";

const SPATIAL = ["conv_1", "relu_1", "pool_1"];
const METHODS = ["gradcam", "gradient", "occlusion"];

test("the route's query keeps what the state names and the server offers", () => {
  const state = { ...defaultState(), class: 3, method: "occlusion", layer: "relu_1" };
  assert.deepEqual(attributionParams(state, SPATIAL, METHODS), { class: 3, method: "occlusion", layer: "relu_1" });
  // Class 0 is a class, not "absent".
  assert.deepEqual(attributionParams({ ...state, class: 0 }, SPATIAL, METHODS).class, 0);
});

test("what the state leaves unset or the server does not offer is left to the server's defaults", () => {
  assert.deepEqual(attributionParams(defaultState(), SPATIAL, METHODS), {});
  // A selected dense layer is no Grad-CAM layer; a method the server does not know is not sent.
  assert.deepEqual(attributionParams({ ...defaultState(), layer: "fc", method: "magic" }, SPATIAL, METHODS), {});
});

test("classes come highest probability first, ties by the lower index", () => {
  assert.deepEqual(classOrder([0.1, 0.5, 0.1, 0.3]), [1, 3, 0, 2]);
  assert.deepEqual(classOrder([]), []);
});

test("the link into the view is the explainer's own URL state", () => {
  const href = whyHref("default", "a&b", 7);
  assert.equal(href, "?model=default&image=a%26b&view=why&class=7");
  const state = decodeState(href);
  assert.equal(state.view, "why");
  assert.equal(state.class, 7);
  assert.equal(state.image, "a&b");
  assert.equal(encodeState(state), href);
});

test("opening the view clears positions; Esc returns to the overview without its class and method", () => {
  assert.deepEqual(whyPatch(4), { view: "why", class: 4, y: null, x: null, input: null });
  const back = backFrom({ ...defaultState(), view: "why", class: 4, method: "gradient", layer: "conv_1" });
  assert.deepEqual(back, { view: "overview", channel: null, y: null, x: null, input: null, class: null, method: "" });
});

test("the URL keeps class and method and drops bad ones", () => {
  const state = decodeState("?view=why&class=2&method=occlusion&layer=conv_1");
  assert.deepEqual([state.view, state.class, state.method, state.layer], ["why", 2, "occlusion", "conv_1"]);
  assert.equal(decodeState("?view=why&class=-1").class, null);
});
