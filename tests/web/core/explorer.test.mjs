import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULTS, LIMITS, arithQuery, clampSettings, settingsFromLayer, windowFrames } from "../../../src/convscope/web/js/core/explorer.js";

test("settings are clamped to the explorer's limits and junk falls back to defaults", () => {
  assert.deepEqual(clampSettings({ size: 99, kernel: 0, stride: 2.4, padding: -1, dilation: "x" }), {
    size: LIMITS.size[1], kernel: 1, stride: 2, padding: 0, dilation: DEFAULTS.dilation,
  });
});

test("the arith query names every setting", () => {
  assert.equal(arithQuery({ size: 8, kernel: 3, stride: 2, padding: 1, dilation: 1 }), "size=8&kernel=3&stride=2&padding=1&dilation=1");
});

test("a conv layer's settings open the explorer, with notes when they do not fit", () => {
  const layer = { kind: "conv2d", hyper: { kernel: [3, 3], stride: [1, 1], padding_sides: [1, 1, 1, 1], dilation: [1, 1] } };
  const { settings, notes } = settingsFromLayer(layer, [3, 64, 64]);
  assert.deepEqual(settings, { size: 32, kernel: 3, stride: 1, padding: 1, dilation: 1 });
  assert.equal(notes.length, 1);
  assert.match(notes[0], /size 64 shown as 32/);
  const small = settingsFromLayer({ ...layer, hyper: { ...layer.hyper, stride: [2, 2] } }, [3, 16, 16]);
  assert.deepEqual(small, { settings: { size: 16, kernel: 3, stride: 2, padding: 1, dilation: 1 }, notes: [] });
});

test("frames visit windows row by row with the server's taps", () => {
  const frames = windowFrames({ rows: [[0, 1], [2, 3]], cols: [[0, 1], [2, 3], [4, 5]] });
  assert.equal(frames.length, 6);
  assert.deepEqual(frames[4], { oy: 1, ox: 1, rows: [2, 3], cols: [2, 3] });
});
