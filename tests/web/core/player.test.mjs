import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_SPEED, SPEEDS, indexOf, keyAction, positionOf, prefetchIndices, proportionalSizes, shapeLabel, speedDelay, stepIndex, unfilledBoxes,
} from "../../../src/convscope/web/js/core/player.js";

test("frames visit every output position row by row, one at a time", () => {
  const width = 3;
  const visited = Array.from({ length: 6 }, (_, i) => positionOf(i, width));
  assert.deepEqual(visited, [{ y: 0, x: 0 }, { y: 0, x: 1 }, { y: 0, x: 2 }, { y: 1, x: 0 }, { y: 1, x: 1 }, { y: 1, x: 2 }]);
  for (let i = 0; i < 6; i += 1) assert.equal(indexOf(visited[i].y, visited[i].x, width), i);
});

test("a step moves one position and stops at either end", () => {
  assert.equal(stepIndex(4, 1, 10), 5);
  assert.equal(stepIndex(4, -1, 10), 3);
  assert.equal(stepIndex(9, 1, 10), 9);
  assert.equal(stepIndex(0, -1, 10), 0);
});

test("keys step back and forward, jump to either end, and leave other keys alone", () => {
  assert.equal(keyAction("ArrowRight"), "next");
  assert.equal(keyAction("."), "next");
  assert.equal(keyAction("ArrowLeft"), "prev");
  assert.equal(keyAction(","), "prev");
  assert.equal(keyAction("Home"), "start");
  assert.equal(keyAction("End"), "end");
  assert.equal(keyAction("a"), null);
  assert.equal(keyAction("Enter"), null); // buttons keep Enter and Space for themselves
});

test("speeds get slower to faster, and unknown ones fall back to the default", () => {
  const delays = SPEEDS.map((s) => s.ms);
  assert.deepEqual([...delays].sort((a, b) => b - a), delays);
  assert.equal(speedDelay("nonsense"), speedDelay(DEFAULT_SPEED));
  assert.equal(speedDelay("slow"), SPEEDS[0].ms);
});

test("prefetching asks for the next frames, never past the last", () => {
  assert.deepEqual(prefetchIndices(0, 100, 3), [1, 2, 3]);
  assert.deepEqual(prefetchIndices(8, 10, 4), [9]);
  assert.deepEqual(prefetchIndices(9, 10, 4), []);
});

test("the unfilled part of the output is the rest of the row and every row below", () => {
  assert.deepEqual(unfilledBoxes(0, 1, 2, 3), [{ top: 0, left: 2, height: 1, width: 1 }, { top: 1, left: 0, height: 1, width: 3 }]);
  assert.deepEqual(unfilledBoxes(1, 2, 2, 3), []); // the last position: all filled in
  assert.deepEqual(unfilledBoxes(0, 2, 3, 3), [{ top: 1, left: 0, height: 2, width: 3 }]);
});

test("maps are drawn at one scale, so a halved map is half as big", () => {
  assert.deepEqual(proportionalSizes([[64, 64], [32, 32]], 180), [180, 90]);
  assert.deepEqual(proportionalSizes([[30, 30], [28, 28]], 84), [84, 78]);
  assert.deepEqual(proportionalSizes([[5, 5], [7, 7]], 70), [50, 70]); // a padded conv can grow
  assert.equal(shapeLabel(64, 32), "64×32");
});
