// The animation player's rules, DOM-free: which output positions a sweep visits
// (every one, row by row: one output position per frame, so the window moves by
// the layer's real stride), stepping, speeds, keys, what to prefetch, and which
// part of an output map has not been reached yet.

/** Frame delays to choose from; the first frame of each is drawn only once its numbers are there. */
export const SPEEDS = [
  { id: "slow", label: "slow", ms: 600 },
  { id: "normal", label: "normal", ms: 200 },
  { id: "fast", label: "fast", ms: 60 },
  { id: "fastest", label: "fastest", ms: 15 },
];

export const DEFAULT_SPEED = "normal";

/** The delay of a speed id; unknown ids take the default. */
export function speedDelay(id) {
  return (SPEEDS.find((s) => s.id === id) ?? SPEEDS.find((s) => s.id === DEFAULT_SPEED)).ms;
}

/** Frame index of output position (y, x) on a map `width` wide. */
export function indexOf(y, x, width) {
  return y * width + x;
}

/** Output position of frame `i` on a map `width` wide: row by row. */
export function positionOf(i, width) {
  return { y: Math.floor(i / width), x: i % width };
}

/** Frame `i` moved by `delta`, kept inside 0 … count − 1. */
export function stepIndex(i, delta, count) {
  return Math.max(0, Math.min(count - 1, i + delta));
}

/**
 * Frames worth asking for ahead of `i` while playing (the next `ahead`, not past the end),
 * so that a frame's numbers are usually there when its turn comes.
 * Example: prefetchIndices(8, 10, 4) -> [9]
 */
export function prefetchIndices(i, count, ahead) {
  const out = [];
  for (let j = i + 1; j <= Math.min(count - 1, i + ahead); j += 1) out.push(j);
  return out;
}

/**
 * What a key pressed on the player does: "prev" / "next" (one position), "start" / "end", or null.
 * Arrow keys act only where they do not already mean something (not in a form field).
 */
export function keyAction(key) {
  return { ArrowLeft: "prev", ",": "prev", ArrowRight: "next", ".": "next", Home: "start", End: "end" }[key] ?? null;
}

/**
 * The part of a height×width map the sweep has not reached once frame (y, x) is shown,
 * as boxes in cells {top, left, height, width}: the rest of row y, then every row below.
 * Example: unfilledBoxes(0, 1, 2, 3) -> [{top: 0, left: 2, height: 1, width: 1}, {top: 1, left: 0, height: 1, width: 3}]
 */
export function unfilledBoxes(y, x, height, width) {
  const boxes = [];
  if (x + 1 < width) boxes.push({ top: y, left: x + 1, height: 1, width: width - x - 1 });
  if (y + 1 < height) boxes.push({ top: y + 1, left: 0, height: height - y - 1, width });
  return boxes;
}

/**
 * Pixel sizes of maps drawn at one scale, so that a map half as wide is drawn half as wide.
 * shapes: [[H, W]]; the largest side of them all gets `size` pixels.
 * Example: proportionalSizes([[64, 64], [32, 32]], 180) -> [180, 90]
 */
export function proportionalSizes(shapes, size) {
  const largest = Math.max(...shapes.map(([h, w]) => Math.max(h, w)));
  return shapes.map(([h, w]) => Math.max(1, Math.round((Math.max(h, w) / largest) * size)));
}

/** "64×32": a map's H×W, written under it. */
export function shapeLabel(height, width) {
  return `${height}×${width}`;
}
