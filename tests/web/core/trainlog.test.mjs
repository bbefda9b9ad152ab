import { test } from "node:test";
import assert from "node:assert/strict";
import { accuracyGap, argmax, decodeFloats, emptyRun, foldEvent, foldEvents, formatDuration, latestStep, mapsOverview } from "../../../src/convscope/web/js/core/trainlog.js";

const start = (step, epoch) => ({ type: "start", step, epoch, steps_per_epoch: 4, total_steps: 8, classes: ["a", "b"], schedule: [[0, 0.1]] });
const step = (n) => ({ type: "step", step: n, loss: 1 / n, loss_smooth: 1 / n, accuracy: 0.5, accuracy_smooth: 0.5, lr: 0.1 });
const epoch = (n, train, val) => ({ type: "epoch", epoch: n, train_accuracy: train, val_accuracy: val, train_loss: 1, val_loss: 1 });

test("a run's events fold into its steps, epochs and latest pictures in order", () => {
  const run = foldEvents([start(0, 0), step(1), step(2), { type: "filters", step: 2, values: [1] }, epoch(1, 0.9, 0.8), { type: "probe", step: 2, probabilities: [0.3, 0.7] }]);
  assert.equal(run.status, "running");
  assert.deepEqual(run.steps.map((s) => s.step), [1, 2]);
  assert.equal(run.epochs.length, 1);
  assert.equal(run.filters.step, 2);
  assert.deepEqual(run.probe.probabilities, [0.3, 0.7]);
  assert.equal(latestStep(run).step, 2);
});

test("a resumed run drops the points its stopped process trained after the last checkpoint", () => {
  const run = foldEvents([start(0, 0), step(2), step(4), epoch(1, 0.9, 0.8), step(6), { type: "stopped" }, start(4, 1), step(6)]);
  assert.deepEqual(run.steps.map((s) => s.step), [2, 4, 6]);
  assert.deepEqual(run.epochs.map((e) => e.epoch), [1]);
  assert.equal(run.status, "running");
  assert.equal(run.starts, 2);
});

test("pause, resume, errors and the end change the status; unknown events change nothing", () => {
  let run = foldEvents([start(0, 0), { type: "paused" }]);
  assert.equal(run.status, "paused");
  run = foldEvent(run, { type: "resumed" });
  assert.equal(run.status, "running");
  const same = foldEvent(run, { type: "from-the-future" });
  assert.equal(same, run);
  run = foldEvent(run, { type: "error", message: "the training loss became nan at step 3" });
  assert.equal(run.status, "failed");
  assert.match(run.message, /step 3/);
  assert.equal(foldEvent(emptyRun(), { type: "done" }).status, "finished");
});

test("the accuracy gap is listed only for epochs with a validation value", () => {
  const run = foldEvents([start(0, 0), epoch(1, 0.9, 0.7), epoch(2, 0.95, null)]);
  const gap = accuracyGap(run);
  assert.equal(gap.length, 1);
  assert.ok(Math.abs(gap[0].gap - 0.2) < 1e-12);
});

test("durations read in minutes and seconds; a missing one is a dash", () => {
  assert.equal(formatDuration(65.2), "1 min 05 s");
  assert.equal(formatDuration(7), "7 s");
  assert.equal(formatDuration(null), "—");
  assert.equal(formatDuration(NaN), "—");
});

test("argmax picks the first largest value", () => {
  assert.equal(argmax([0.1, 0.6, 0.3]), 1);
  assert.equal(argmax([0.5, 0.5]), 0);
});

const floats = (values) => Buffer.from(new Float32Array(values).buffer).toString("base64"); // little-endian on every platform Node runs

test("the latest maps event is kept and decodes to each layer's channels with the explainer's domains", () => {
  const conv = { name: "conv", shape: [8, 2, 2], channels: 2, min: -3, max: 1, values: floats([1, -3, 0, 0.5, 0, 0, 1, 0.25]) };
  const relu = { name: "relu", shape: [8, 1, 2], channels: 1, min: 0, max: 2, values: floats([0, 2]) };
  const run = foldEvents([start(0, 0), { type: "maps", step: 1, layers: [relu] }, { type: "maps", step: 2, layers: [conv, relu] }]);
  assert.equal(run.maps.step, 2);
  const [a, b] = mapsOverview(run.maps);
  assert.deepEqual([a.name, a.height, a.width, a.maps.length], ["conv", 2, 2, 2]);
  assert.deepEqual([...a.maps[0]], [1, -3, 0, 0.5]);
  assert.deepEqual([...a.maps[1]], [0, 0, 1, 0.25]);
  assert.deepEqual(a.domain, { scheme: "diverging", lo: -3, hi: 3 });
  assert.deepEqual(b.domain, { scheme: "sequential", lo: 0, hi: 2 });
});

test("decodeFloats reads little-endian float32", () => {
  assert.deepEqual([...decodeFloats(floats([1.5, -2, 1e-3]))], [...new Float32Array([1.5, -2, 1e-3])]);
});
