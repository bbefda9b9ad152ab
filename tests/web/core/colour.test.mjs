import assert from "node:assert/strict";
import { test } from "node:test";
import { SCHEMES, colourOf, gradientCss, lut, lutIndex, paint, paintComposite, tintScheme } from "../../../src/convscope/web/js/core/colour.js";

test("lut index maps the domain ends to 0 and 255 and clamps outside", () => {
  assert.equal(lutIndex(-2, -2, 2), 0);
  assert.equal(lutIndex(2, -2, 2), 255);
  assert.equal(lutIndex(0, -2, 2), 128);
  assert.equal(lutIndex(99, -2, 2), 255);
  assert.equal(lutIndex(-99, -2, 2), 0);
});

test("lut ends equal the first and last stops of each scheme", () => {
  for (const [name, stops] of Object.entries(SCHEMES)) {
    const table = lut(name);
    assert.deepEqual([...table.slice(0, 3)], stops[0][1], name);
    assert.deepEqual([...table.slice(255 * 3)], stops.at(-1)[1], name);
  }
});

test("diverging scale puts zero on the middle (white) stop", () => {
  assert.equal(colourOf(0, { scheme: "diverging", lo: -3, hi: 3 }), colourOf(0.5, { scheme: "diverging", lo: 0, hi: 1 }));
  const table = lut("diverging");
  const mid = table.slice(128 * 3, 128 * 3 + 3);
  for (const c of mid) assert.ok(c > 240, `middle of the diverging scale should be near white, got ${[...mid]}`);
});

test("paint writes opaque RGBA from the lookup table for every value", () => {
  const values = Float32Array.of(-1, 0, 1);
  const out = paint(values, { scheme: "diverging", lo: -1, hi: 1 }, new Uint8ClampedArray(12));
  const table = lut("diverging");
  assert.deepEqual([...out.slice(0, 3)], [...table.slice(0, 3)]);
  assert.deepEqual([...out.slice(8, 11)], [...table.slice(255 * 3)]);
  assert.deepEqual([out[3], out[7], out[11]], [255, 255, 255]);
});

test("a flat domain paints the middle colour instead of dividing by zero", () => {
  assert.equal(lutIndex(5, 5, 5), 128);
});

test("gradient css lists every stop", () => {
  assert.equal(gradientCss("diverging").split("rgb(").length - 1, SCHEMES.diverging.length);
});

test("red, green and blue channels run from black to their own primary", () => {
  assert.equal(colourOf(1, { scheme: "red", lo: 0, hi: 1 }), "rgb(255, 0, 0)");
  assert.equal(colourOf(1, { scheme: "green", lo: 0, hi: 1 }), "rgb(0, 255, 0)");
  assert.equal(colourOf(1, { scheme: "blue", lo: 0, hi: 1 }), "rgb(0, 0, 255)");
  assert.equal(colourOf(0, { scheme: "red", lo: 0, hi: 1 }), "rgb(0, 0, 0)");
  assert.equal(tintScheme("green"), "green");
  assert.equal(tintScheme("ultraviolet"), "gray"); // a tint the browser does not know is drawn gray
});

test("the composite puts each channel's place in its own range into its own colour", () => {
  const unit = { lo: 0, hi: 1 };
  const rgba = paintComposite([Float32Array.of(1, 0), Float32Array.of(0, 0.5), Float32Array.of(0, 1)], [unit, unit, { lo: 0, hi: 2 }], new Uint8ClampedArray(8));
  assert.deepEqual([...rgba], [255, 0, 0, 255, 0, 128, 128, 255]);
});
