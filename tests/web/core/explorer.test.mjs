import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULTS, LIMITS, URL_KEYS, arithQuery, clampSettings, sameSettings, settingsFromLayer, settingsFromState, stateOfSettings, windowFrames,
} from "../../../src/convscope/web/js/core/explorer.js";
import { FIELDS, decodeState, defaultState, encodeState, isNavigation } from "../../../src/convscope/web/js/core/urlstate.js";

test("settings are clamped to the explorer's limits and junk falls back to defaults", () => {
  assert.deepEqual(clampSettings({ size: 99, kernel: 0, stride: 2.4, padding: -1, dilation: "x", mode: "avg" }), {
    size: LIMITS.size[1], kernel: 1, stride: 2, padding: 0, dilation: DEFAULTS.dilation, mode: "conv",
  });
});

test("the arith query names every setting, and asks for pooling and ceil_mode only in pool mode", () => {
  const conv = { size: 8, kernel: 3, stride: 2, padding: 1, dilation: 1 };
  assert.equal(arithQuery(conv), "size=8&kernel=3&stride=2&padding=1&dilation=1");
  assert.equal(arithQuery({ ...conv, mode: "conv" }, { ceil: true }), "size=8&kernel=3&stride=2&padding=1&dilation=1");
  assert.equal(arithQuery({ ...conv, mode: "pool" }), "size=8&kernel=3&stride=2&padding=1&dilation=1&pool=true");
  assert.equal(arithQuery({ ...conv, mode: "pool" }, { ceil: true }), "size=8&kernel=3&stride=2&padding=1&dilation=1&pool=true&ceil_mode=true");
});

test("a conv layer's settings open the explorer, with notes when they do not fit", () => {
  const layer = { hyper: { kernel: [3, 3], stride: [1, 1], padding_sides: [1, 1, 1, 1], dilation: [1, 1] } };
  const { settings, notes } = settingsFromLayer(layer, [3, 64, 64]);
  assert.deepEqual(settings, { size: 32, kernel: 3, stride: 1, padding: 1, dilation: 1, mode: "conv" });
  assert.equal(notes.length, 1);
  assert.match(notes[0], /size 64 shown as 32/);
  const small = settingsFromLayer({ ...layer, hyper: { ...layer.hyper, stride: [2, 2] } }, [3, 16, 16]);
  assert.deepEqual(small, { settings: { size: 16, kernel: 3, stride: 2, padding: 1, dilation: 1, mode: "conv" }, notes: [] });
});

test("frames visit windows row by row with the server's taps", () => {
  const frames = windowFrames({ rows: [[0, 1], [2, 3]], cols: [[0, 1], [2, 3], [4, 5]] });
  assert.equal(frames.length, 6);
  assert.deepEqual(frames[4], { oy: 1, ox: 1, rows: [2, 3], cols: [2, 3] });
});

test("every explorer setting has its own row in the URL-state table", () => {
  const keys = new Set(FIELDS.map((f) => f.key));
  for (const url of Object.values(URL_KEYS)) assert.ok(keys.has(url), url);
  assert.deepEqual(Object.keys(URL_KEYS).sort(), [...Object.keys(LIMITS), "mode"].sort());
});

test("explorer settings round-trip through the query string, pool mode and zero padding included", () => {
  for (const settings of [
    { size: 8, kernel: 2, stride: 2, padding: 0, dilation: 1, mode: "pool" },
    { size: 32, kernel: 11, stride: 8, padding: 8, dilation: 5, mode: "conv" },
    { ...DEFAULTS },
  ]) {
    const state = { ...defaultState(), model: "m", view: "explorer", ...stateOfSettings(settings) };
    const search = encodeState(state);
    assert.deepEqual(decodeState(search), state, search);
    assert.deepEqual(settingsFromState(decodeState(search)), settings);
  }
});

test("the URL uses the compact letters H K S P D and op", () => {
  const state = { ...defaultState(), view: "explorer", ...stateOfSettings({ size: 9, kernel: 3, stride: 2, padding: 1, dilation: 1, mode: "pool" }) };
  assert.equal(encodeState(state), "?view=explorer&H=9&K=3&S=2&P=1&D=1&op=pool");
});

test("a URL without explorer settings yields none, and clearing them gives the default state", () => {
  assert.equal(settingsFromState(decodeState("?view=explorer&layer=conv_1_1")), null);
  assert.deepEqual({ ...defaultState(), ...stateOfSettings(null) }, defaultState());
  assert.equal(encodeState({ ...defaultState(), ...stateOfSettings(null) }), "");
});

test("a URL with some explorer settings fills the rest from the defaults and clamps bad ones", () => {
  assert.deepEqual(settingsFromState(decodeState("?op=pool&K=2")), { ...DEFAULTS, kernel: 2, mode: "pool" });
  assert.deepEqual(settingsFromState(decodeState("?H=500&S=0")), { ...DEFAULTS, size: LIMITS.size[1], stride: 1 });
  assert.equal(decodeState("?op=avg").op, "conv");
});

test("changing an explorer setting is a navigation, so back restores the previous one", () => {
  const a = { ...defaultState(), view: "explorer", ...stateOfSettings(DEFAULTS) };
  assert.equal(isNavigation(a, { ...a, ...stateOfSettings({ ...DEFAULTS, stride: 2 }) }), true);
  assert.equal(isNavigation(a, { ...a, ...stateOfSettings({ ...DEFAULTS, mode: "pool" }) }), true);
  assert.equal(isNavigation(a, { ...a, ...stateOfSettings(DEFAULTS) }), false);
});

test("settings compare by value", () => {
  assert.equal(sameSettings({ ...DEFAULTS }, clampSettings(DEFAULTS)), true);
  assert.equal(sameSettings(DEFAULTS, { ...DEFAULTS, mode: "pool" }), false);
});
