import assert from "node:assert/strict";
import { test } from "node:test";
import { kernelApi } from "../../../src/convscope/web/js/core/kernelapi.js";

// A widget model that records what is sent and lets the test answer as the kernel would,
// in any order (the kernel's answers are matched to requests by id).
function channel() {
  const sent = [];
  const listeners = new Set();
  return {
    sent,
    model: {
      send: (content) => sent.push(content),
      on: (event, f) => event === "msg:custom" && listeners.add(f),
      off: (event, f) => listeners.delete(f),
    },
    reply: (content, buffers = []) => listeners.forEach((f) => f(content, buffers)),
    listening: () => listeners.size,
  };
}

test("answers are matched to their requests by id, whatever their order", async () => {
  const c = channel();
  const { api } = kernelApi(c.model);
  const first = api.explain(null, "conv_1_2", { channel: 3, y: 5, x: 7 });
  const second = api.probabilities(null, 2);
  assert.deepEqual(c.sent.map((m) => [m.type, m.call, m.args]), [
    ["ask", "explain", { layer: "conv_1_2", channel: 3, y: 5, x: 7 }],
    ["ask", "probabilities", { index: 2 }],
  ]);
  c.reply({ type: "answer", id: c.sent[1].id, body: { output: 0.25 } });
  c.reply({ type: "answer", id: c.sent[0].id, body: { output: -1.5 } });
  assert.deepEqual(await first, { output: -1.5 });
  assert.deepEqual(await second, { output: 0.25 });
});

test("a tensor answer is decoded from its buffer; an error rejects with the kernel's message", async () => {
  const c = channel();
  const { api } = kernelApi(c.model);
  const header = new TextEncoder().encode(JSON.stringify({ dtype: "float32", shape: [2], layer: "fc" }).padEnd(12));
  const bytes = new Uint8Array(4 + header.length + 8);
  new DataView(bytes.buffer).setUint32(0, header.length, true);
  bytes.set(header, 4);
  new Float32Array(bytes.buffer, 4 + header.length, 2).set([1.5, -2]);
  const tensor = api.layerTensor(null, "fc", [2], null);
  assert.deepEqual(c.sent[0].args, { layer: "fc", channels: null });
  c.reply({ type: "answer", id: c.sent[0].id, tensor: true }, [new DataView(bytes.buffer)]);
  const got = await tensor;
  assert.equal(got.header.layer, "fc");
  assert.deepEqual(Array.from(got.data), [1.5, -2]);
  const bad = api.intermediate(null, "relu_1_1", 0, [0, 1]);
  assert.deepEqual(c.sent[1].args, { layer: "relu_1_1", channel: 0, input_channels: "0,1", dtype: "float32" });
  c.reply({ type: "answer", id: c.sent[1].id, error: "layer 'relu_1_1' is a relu" });
  await assert.rejects(bad, /relu_1_1' is a relu/);
});

test("JSON answers are asked once; a failure is asked again; close rejects what waits", async () => {
  const c = channel();
  const kernel = kernelApi(c.model);
  const url = "api/models/m/explanation?order=chw";
  const once = kernel.api.panel(url);
  assert.equal(kernel.api.panel(url), once);
  c.reply({ type: "answer", id: c.sent[0].id, error: "no" });
  await assert.rejects(once);
  const again = kernel.api.panel(url);
  assert.equal(c.sent.length, 2);
  kernel.close();
  await assert.rejects(again, /closed/);
  assert.equal(c.listening(), 0);
});
