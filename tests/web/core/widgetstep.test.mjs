import assert from "node:assert/strict";
import { test } from "node:test";
import { stepRows } from "../../../src/convscope/web/js/core/widgetstep.js";

test("the widget's step rows list each conv term's sum, the bias and the total from the payload", () => {
  const step = { step: "conv", layer: "conv_1_2", position: { channel: 3, y: 5, x: 7 }, output: 0.25, computed: 0.25, bias: 0.05, terms: [{ input_channel: 0, sum: 0.1 }, { input_channel: 1, sum: 0.1 }] };
  assert.deepEqual(stepRows(step), [
    ["conv_1_2 [c=3, y=5, x=7]", "0.25"],
    ["input channel 0: Σ window × kernel", "0.1"],
    ["input channel 1: Σ window × kernel", "0.1"],
    ["bias", "0.05"],
    ["total", "0.25"],
  ]);
});

test("the widget's step rows say when nothing is selected and pass errors on", () => {
  assert.equal(stepRows({})[0][0], "selected");
  assert.deepEqual(stepRows({ error: "layer 'flatten' has no explanation" }), [["no explanation", "layer 'flatten' has no explanation"]]);
  const linear = { step: "linear", layer: "output", position: { index: 2 }, output: 1.5, computed: 1.5, bias: null, products: [1, 2, 3] };
  assert.deepEqual(stepRows(linear), [["output [2]", "1.5"], ["products summed", "3"], ["bias", "none"], ["total", "1.5"]]);
});
