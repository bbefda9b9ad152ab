import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCount, formatPercent, formatValue, shapeText } from "../../../src/convscope/web/js/core/format.js";

test("values keep three significant digits", () => {
  assert.equal(formatValue(0.123456), "0.123");
  assert.equal(formatValue(-12.345), "-12.3");
  assert.equal(formatValue(0), "0");
  assert.equal(formatValue(123456), "1.23e+5");
  assert.equal(formatValue(0.0001234), "1.23e-4");
  assert.equal(formatValue(NaN), "–");
});

test("percent, shapes and counts", () => {
  assert.equal(formatPercent(0.9731), "97.3%");
  assert.equal(shapeText([10, 26, 26]), "10×26×26");
  assert.equal(formatCount(1234567), "1,234,567");
});
