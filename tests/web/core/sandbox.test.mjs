import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cellsOfStep, countRows, defaultValues, fullText, inputRows, kernelChoice, kernelText, operationFromSearch,
  outputCellOfStep, outputRows, paddedCells, requestBody, searchForOperation, splitSteps,
} from "../../../src/convscope/web/js/core/sandbox.js";

// Shaped as the server's /api/calc catalog and Calculation.to_dict() send them.
const OPS = [
  { id: "conv", fields: [{ name: "input", type: "matrix", default: "1 2; 3 4" }, { name: "kernel", type: "kernel", default: "sobel-x" }, { name: "stride", type: "whole", default: 1 }] },
  { id: "pool", fields: [{ name: "stride", type: "whole", default: "" }, { name: "count_include_pad", type: "bool", default: true }] },
  { id: "dense", fields: [{ name: "in", type: "whole", default: 1690 }, { name: "out", type: "whole", default: 10 }] },
];
const KERNELS = [{ name: "sobel-x", weights: [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], divisor: 1 }, { name: "box-blur", weights: [[1, 1], [1, 1]], divisor: 4 }];

test("the URL's op names a calculator the catalog offers, else the first one", () => {
  assert.equal(operationFromSearch("?op=pool", OPS), "pool");
  assert.equal(operationFromSearch("?op=tanh", OPS), "conv");
  assert.equal(operationFromSearch("", OPS), "conv");
});

test("the first calculator leaves the URL bare, the others put op in it", () => {
  assert.equal(searchForOperation("conv", OPS), "");
  assert.equal(searchForOperation("dense", OPS), "?op=dense");
  assert.equal(operationFromSearch(searchForOperation("dense", OPS), OPS), "dense");
});

test("a form starts from each field's default in the catalog", () => {
  assert.deepEqual(defaultValues(OPS[0]), { input: "1 2; 3 4", kernel: "sobel-x", stride: 1 });
});

test("the request sends typed text as typed, leaves empty boxes out and flags as booleans", () => {
  assert.deepEqual(requestBody(OPS[0], { input: " 1 2; 3 4 ", kernel: "sobel-x", stride: 2 }), { input: " 1 2; 3 4 ", kernel: "sobel-x", stride: "2" });
  assert.deepEqual(requestBody(OPS[1], { stride: "  ", count_include_pad: false }), { count_include_pad: false });
  assert.deepEqual(requestBody(OPS[2], { in: "1690", out: 10 }), { in: "1690", out: "10" });
});

test("numbers are shown at full precision, negative zero as 0", () => {
  assert.equal(fullText(4.111111111111111), "4.111111111111111");
  assert.equal(fullText(12), "12");
  assert.equal(fullText(-0), "0");
  assert.equal(Number(fullText(0.1 + 0.2)), 0.1 + 0.2);
});

test("the kernel select shows a classic name, anything typed is custom", () => {
  assert.equal(kernelChoice("Sobel-X ", KERNELS), "sobel-x");
  assert.equal(kernelChoice("1 0; 0 -1", KERNELS), "custom");
  assert.equal(kernelText(KERNELS[0]), "-1 0 1; -2 0 2; -1 0 1");
});

test("steps split into sentences and worked steps, each kept in order", () => {
  const steps = [{ step: "note", text: "a" }, { step: "window", text: "w0" }, { step: "note", text: "b" }, { step: "window", text: "w1" }];
  const { notes, worked } = splitSteps(steps);
  assert.deepEqual(notes.map((s) => s.text), ["a", "b"]);
  assert.deepEqual(worked.map((s) => s.text), ["w0", "w1"]);
});

test("a window lights every tap it reads, padding taps included", () => {
  const step = { step: "window", position: [0, 1], rows: [-1, 0], cols: [0, 1], padding_mask: [[true, true], [false, false]] };
  assert.deepEqual([...cellsOfStep(step)], ["-1,0", "-1,1", "0,0", "0,1"]);
  assert.equal(outputCellOfStep(step), "0,1");
});

test("the input is drawn with its zero rings, keyed by input coordinates", () => {
  const cells = paddedCells([[1, 2], [3, 4]], 1);
  assert.equal(cells.length, 4);
  assert.deepEqual(cells[0].map((c) => c.key), ["-1,-1", "-1,0", "-1,1", "-1,2"]);
  assert.deepEqual(cells[1].map((c) => [c.value, c.pad]), [[0, true], [1, false], [2, false], [0, true]]);
  assert.deepEqual(paddedCells([[5]]), [[{ key: "0,0", value: 5, pad: false }]]);
});

test("a value step lights the one value it is about; a term step lights only its probability", () => {
  assert.deepEqual([...cellsOfStep({ step: "value", position: [1, 2], input: -1, value: 0 })], ["1,2"]);
  assert.equal(cellsOfStep({ step: "term", index: 0 }).size, 0);
  assert.equal(outputCellOfStep({ step: "term", index: 2 }), "0,2");
});

test("outputs lay out as rows: a matrix stays, a vector is one row, counts are none", () => {
  assert.deepEqual(outputRows({ output: [[1, 2], [3, 4]] }), [[1, 2], [3, 4]]);
  assert.deepEqual(outputRows({ output: [0.5, 0.5] }), [[0.5, 0.5]]);
  assert.deepEqual(outputRows({ output: { weights: 2 } }), []);
  assert.deepEqual(inputRows({ input: [[1]] }), [[1]]);
  assert.equal(inputRows({ input: [1, 2] }), null);
});

test("dense counts are listed with the server's formulas", () => {
  const rows = countRows({ output: { weights: 16900, biases: 10, params: 16910, mults: 16900 }, formulas: { weights: "1690·10 = 16,900", biases: "10", params: "16,900 + 10 = 16,910" } });
  assert.deepEqual(rows.map((r) => r[1]), [16900, 10, 16910, 16900]);
  assert.equal(rows[2][2], "16,900 + 10 = 16,910");
});

test("a flattened value lights its unit in the order shown", () => {
  const entry = { step: "value", source: [1, 0, 0], value: 5, chw: 4, hwc: 1 };
  assert.equal(outputCellOfStep(entry, "chw"), "0,4");
  assert.equal(outputCellOfStep(entry, "hwc"), "0,1");
  assert.equal(cellsOfStep(entry).size, 0);
});
