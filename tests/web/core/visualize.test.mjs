import assert from "node:assert/strict";
import { test } from "node:test";
import { curveGeometry, finished, imageBytes, jobBody, progressText, visualizeTarget } from "../../../src/convscope/web/js/core/visualize.js";
import { readState } from "../../../src/convscope/web/js/core/insight.js";

const job = (patch = {}) => ({ id: "j", layer: "conv_1_2", channel: 3, class: null, steps: 8, seed: 5, status: "running", step: 2, curve: [0.5, 1.25], final: null, message: null, ...patch });

test("a form's choice becomes a channel request or a class request, never both", () => {
  assert.deepEqual(jobBody({ mode: "channel", layer: "conv_1_2", channel: "3", klass: "1", steps: "8", seed: "5" }), { steps: 8, seed: 5, layer: "conv_1_2", channel: 3 });
  assert.deepEqual(jobBody({ mode: "class", layer: "conv_1_2", channel: "3", klass: "1", steps: "8", seed: "0" }), { steps: 8, seed: 0, class: 1 });
});

test("the URL's channel, or its class at #visualize, picks what to visualise", () => {
  assert.deepEqual(visualizeTarget(readState("?layer=relu_1&channel=4&class=2"), ""), { mode: "channel", layer: "relu_1", channel: 4, klass: 2 });
  assert.deepEqual(visualizeTarget(readState("?class=2"), "#visualize"), { mode: "class", layer: null, channel: 0, klass: 2 });
  assert.equal(visualizeTarget(readState("?class=2"), "").mode, "channel"); // the attribution's class alone
});

test("progress says the step of n and the objective; a stopped job says why", () => {
  assert.equal(progressText(job()), "step 2 of 8 · objective 1.25 · channel 3 of conv_1_2 · seed 5");
  assert.equal(progressText(job({ class: 1, layer: null, channel: null }), ["a", "Trouser"]), "step 2 of 8 · objective 1.25 · class 1 (Trouser) · seed 5");
  assert.match(progressText(job({ status: "done", step: 8, final: 2 })), /^done: 8 steps · objective 1\.25 while optimising, 2\.00 on the final image/);
  assert.equal(progressText(job({ status: "stopped", message: "stopped by a request at step 2 of 8" })), "stopped: stopped by a request at step 2 of 8");
  assert.equal(finished(job()), false);
  assert.equal(finished(job({ status: "failed" })), true);
});

test("the curve spans the run's steps across and its range from bottom to top", () => {
  const { points, low, high } = curveGeometry([1, 3, 2], 5, 108, 58, 4);
  assert.deepEqual([low, high], [1, 3]);
  assert.deepEqual(points, [[4, 54], [29, 4], [54, 29]]);
  assert.deepEqual(curveGeometry([2], 1, 100, 50).points, [[4, 46]]); // one step, flat range
});

test("an image's bytes: one channel drawn grey, three as RGB, opaque", () => {
  const grey = imageBytes([[[0, 1]]]);
  assert.deepEqual([...grey.bytes], [0, 0, 0, 255, 255, 255, 255, 255]);
  const rgb = imageBytes([[[1]], [[0.5]], [[0]]]);
  assert.deepEqual([...rgb.bytes], [255, 128, 0, 255]);
  assert.deepEqual([rgb.rows, rgb.cols], [1, 1]);
});
