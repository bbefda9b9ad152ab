import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseDtype, decodeTensor, halfToFloat, mapValues } from "../../../src/convscope/web/js/core/tensor.js";

// Build a message exactly as the documented layout says (independently of the Python encoder).
function message(header, bytes) {
  let text = new TextEncoder().encode(JSON.stringify(header));
  const padded = text.length + ((8 - ((4 + text.length) % 8)) % 8);
  const out = new Uint8Array(4 + padded + bytes.byteLength);
  new DataView(out.buffer).setUint32(0, padded, true);
  out.fill(32, 4, 4 + padded);
  out.set(text, 4);
  out.set(new Uint8Array(bytes.buffer ?? bytes), 4 + padded);
  return out.buffer;
}

test("float32 messages decode to the same values and shape", () => {
  const values = Float32Array.of(1.5, -2.25, 0, 3e-8, 7, 8);
  const t = decodeTensor(message({ dtype: "float32", shape: [2, 1, 3], channels: [4, 9] }, values));
  assert.deepEqual(t.shape, [2, 1, 3]);
  assert.deepEqual([...t.data], [...values]);
  assert.deepEqual(t.header.channels, [4, 9]);
});

test("half floats decode like IEEE 754 binary16", () => {
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0xc000), -2);
  assert.equal(halfToFloat(0x7bff), 65504);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  assert.equal(Object.is(halfToFloat(0x8000), -0), true);
});

test("float16 messages decode through the table", () => {
  const bits = Uint16Array.of(0x3c00, 0x3555, 0xc500);
  const t = decodeTensor(message({ dtype: "float16", shape: [3] }, bits));
  assert.deepEqual([...t.data], [1, halfToFloat(0x3555), -5]);
});

test("map values view one channel of a (C, H, W) tensor", () => {
  const t = decodeTensor(message({ dtype: "float32", shape: [2, 2, 2] }, Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7)));
  assert.deepEqual([...mapValues(t, 1)], [4, 5, 6, 7]);
});

test("float16 is chosen only for layers over the byte limit", () => {
  assert.equal(chooseDtype(1000), "float32");
  assert.equal(chooseDtype(300_000), "float16");
});

test("framed responses decode every message in order", async () => {
  const { decodeFrames } = await import("../../../src/convscope/web/js/core/tensor.js");
  const messages = [message({ dtype: "float32", shape: [2], layer: "a" }, Float32Array.of(1, 2)), message({ dtype: "float32", shape: [1], layer: "bcd" }, Float32Array.of(3))];
  const frames = [];
  for (const m of messages) {
    const pad = (8 - (m.byteLength % 8)) % 8;
    const frame = new Uint8Array(8 + m.byteLength + pad);
    new DataView(frame.buffer).setUint32(0, m.byteLength, true);
    frame.set(new Uint8Array(m), 8);
    frames.push(frame);
  }
  const all = new Uint8Array(frames.reduce((a, f) => a + f.length, 0));
  let at = 0;
  for (const f of frames) {
    all.set(f, at);
    at += f.length;
  }
  const out = decodeFrames(all.buffer);
  assert.deepEqual(out.map((t) => t.header.layer), ["a", "bcd"]);
  assert.deepEqual(out.map((t) => [...t.data]), [[1, 2], [3]]);
});
