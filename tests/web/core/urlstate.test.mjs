import assert from "node:assert/strict";
import { test } from "node:test";
import { FIELDS, decodeState, defaultState, encodeState, isNavigation } from "../../../src/convscope/web/js/core/urlstate.js";

test("state round-trips through the query string", () => {
  const state = { ...defaultState(), model: "default", image: "sample_3", layer: "conv_1_1", scale: "global", details: true, channel: 4 };
  assert.deepEqual(decodeState(encodeState(state)), state);
});

test("defaults are left out of the URL", () => {
  assert.equal(encodeState(defaultState()), "");
  assert.equal(encodeState({ ...defaultState(), model: "m" }), "?model=m");
});

test("bad values fall back to defaults instead of breaking the page", () => {
  const state = decodeState("?scale=rainbow&channel=-3&y=abc&details=maybe");
  assert.equal(state.scale, "block");
  assert.equal(state.channel, null);
  assert.equal(state.y, null);
  assert.equal(state.details, false);
});

test("names with dots, colons and spaces survive encoding", () => {
  const state = { ...defaultState(), layer: "layer1.0.relu:2", image: "a b&c" };
  assert.deepEqual(decodeState(encodeState(state)), state);
});

test("model, image and layer changes navigate; scale changes replace", () => {
  const a = defaultState();
  assert.equal(isNavigation(a, { ...a, layer: "x" }), true);
  assert.equal(isNavigation(a, { ...a, image: "x" }), true);
  assert.equal(isNavigation(a, { ...a, scale: "unit" }), false);
  assert.equal(isNavigation(a, { ...a, details: true }), false);
});

test("every field has a unique key", () => {
  assert.equal(new Set(FIELDS.map((f) => f.key)).size, FIELDS.length);
});
