import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULTS, LIMITS, SAME, URL_KEYS, arithQuery, askable, cellPixels, checkSettings, sameSettings, settingsFromLayer, settingsFromState, stateOfSettings, windowFrames,
} from "../../../src/convscope/web/js/core/explorer.js";
import { FIELDS, decodeState, defaultState, encodeState, isNavigation } from "../../../src/convscope/web/js/core/urlstate.js";

test("settings are never clamped: values outside what the explorer draws are kept and named", () => {
  const { settings, problems } = checkSettings({ size: 300, kernel: 0, stride: 2.4, padding: -1, dilation: "x", mode: "avg" });
  assert.deepEqual(settings, { size: 300, kernel: 0, stride: DEFAULTS.stride, padding: -1, dilation: DEFAULTS.dilation, mode: "conv" });
  assert.deepEqual(problems, [
    "input size H 300 is more than the explorer draws (at most 256)",
    "kernel K 0 is less than 1",
    "stride S must be a whole number from 1 to 8",
    "padding P -1 is less than 0",
    "dilation D must be a whole number from 1 to 8",
  ]);
  assert.equal(askable(settings), false); // kernel 0 and padding −1 are not sent to the server
  assert.equal(askable({ ...DEFAULTS, size: 300 }), true); // too big to draw, still worth the arithmetic
});

test("the explorer draws inputs of 227 and more", () => {
  assert.ok(LIMITS.size[1] >= 227);
  assert.deepEqual(checkSettings({ ...DEFAULTS, size: 227 }).problems, []);
});

test("same padding is a setting of its own, sent to the server as the word", () => {
  const { settings, problems } = checkSettings({ ...DEFAULTS, padding: SAME });
  assert.equal(settings.padding, "same");
  assert.deepEqual(problems, []);
  assert.equal(arithQuery({ ...DEFAULTS, kernel: 4, padding: SAME }), "size=7&kernel=4&stride=1&padding=same&dilation=1");
  const search = encodeState({ ...defaultState(), view: "explorer", ...stateOfSettings({ ...DEFAULTS, padding: SAME }) });
  assert.equal(settingsFromState(decodeState(search)).padding, "same");
});

test("grid cells shrink to one pixel so large inputs fit, and stay big for small ones", () => {
  assert.equal(cellPixels(9, 240), 24);
  assert.equal(cellPixels(243, 480), 1);
  assert.equal(cellPixels(229, 560), 2);
});

test("the arith query names every setting, and asks for pooling and ceil_mode only in pool mode", () => {
  const conv = { size: 8, kernel: 3, stride: 2, padding: 1, dilation: 1 };
  assert.equal(arithQuery(conv), "size=8&kernel=3&stride=2&padding=1&dilation=1");
  assert.equal(arithQuery({ ...conv, mode: "conv" }, { ceil: true }), "size=8&kernel=3&stride=2&padding=1&dilation=1");
  assert.equal(arithQuery({ ...conv, mode: "pool" }), "size=8&kernel=3&stride=2&padding=1&dilation=1&pool=true");
  assert.equal(arithQuery({ ...conv, mode: "pool" }, { ceil: true }), "size=8&kernel=3&stride=2&padding=1&dilation=1&pool=true&ceil_mode=true");
});

test("a conv layer's settings open the explorer exactly: 64 stays 64", () => {
  const layer = { view: "conv", hyper: { kernel: [3, 3], stride: [1, 1], padding_sides: [1, 1, 1, 1], dilation: [1, 1] } };
  assert.deepEqual(settingsFromLayer(layer, [3, 64, 64]), { settings: { size: 64, kernel: 3, stride: 1, padding: 1, dilation: 1, mode: "conv" }, notes: [] });
  const wide = settingsFromLayer({ ...layer, hyper: { ...layer.hyper, stride: [2, 1] } }, [3, 16, 20]);
  assert.deepEqual(wide.settings, { size: 16, kernel: 3, stride: 2, padding: 1, dilation: 1, mode: "conv" });
  assert.equal(wide.notes.length, 2);
  assert.match(wide.notes[1], /16×20 shown as 16×16/);
});

test("a pooling layer opens the explorer in pool mode with its padding and rounding", () => {
  const pool = { view: "pool", hyper: { pool: "avg", kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], ceil_mode: true } };
  const { settings, notes } = settingsFromLayer(pool, [64, 112, 112]);
  assert.deepEqual(settings, { size: 112, kernel: 3, stride: 2, padding: 1, dilation: 1, mode: "pool" });
  assert.equal(notes.length, 2);
  assert.match(notes[0], /average pool/);
  assert.match(notes[1], /ceil_mode=True/);
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
    { size: 227, kernel: 11, stride: 4, padding: 8, dilation: 5, mode: "conv" },
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

test("a URL with some explorer settings fills the rest from the defaults and keeps odd ones for the explorer to name", () => {
  assert.deepEqual(settingsFromState(decodeState("?op=pool&K=2")), { ...DEFAULTS, kernel: 2, mode: "pool" });
  assert.deepEqual(settingsFromState(decodeState("?H=500&S=0")), { ...DEFAULTS, size: 500, stride: 0 });
  assert.equal(decodeState("?op=avg").op, "conv");
});

test("changing an explorer setting is a navigation, so back restores the previous one", () => {
  const a = { ...defaultState(), view: "explorer", ...stateOfSettings(DEFAULTS) };
  assert.equal(isNavigation(a, { ...a, ...stateOfSettings({ ...DEFAULTS, stride: 2 }) }), true);
  assert.equal(isNavigation(a, { ...a, ...stateOfSettings({ ...DEFAULTS, mode: "pool" }) }), true);
  assert.equal(isNavigation(a, { ...a, ...stateOfSettings(DEFAULTS) }), false);
});

test("settings compare by value", () => {
  assert.equal(sameSettings({ ...DEFAULTS }, checkSettings(DEFAULTS).settings), true);
  assert.equal(sameSettings(DEFAULTS, { ...DEFAULTS, mode: "pool" }), false);
});
