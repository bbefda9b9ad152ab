// The detail views' data source in a notebook: the same calls as detailapi.js, asked of
// the Python kernel over the widget's custom messages instead of HTTP. A request is
// {type: "ask", id, call, args}; the kernel answers {type: "answer", id, body} (JSON),
// {type: "answer", id, tensor: true} with the binary tensor message as the first buffer,
// or {type: "answer", id, error}. The kernel computes every number (convscope/server/widget.py).
import { decodeTensor } from "./tensor.js";

const CACHE_LIMIT = 256;

/** A DataView (how widget messages hand over bytes) as the ArrayBuffer decodeTensor reads. */
export const bufferOf = (view) => (view instanceof ArrayBuffer ? view : view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));

/**
 * A detailapi-shaped object over `model` (anywidget's: send(content, callbacks, buffers) and
 * on("msg:custom", (content, buffers) => …)). Returns {api, close()}: close stops listening and
 * rejects what is still waiting.
 */
export function kernelApi(model) {
  let last = 0;
  const waiting = new Map();
  const cache = new Map();
  const onMessage = (content, buffers) => {
    if (!content || content.type !== "answer" || !waiting.has(content.id)) return;
    const { resolve, reject } = waiting.get(content.id);
    waiting.delete(content.id);
    if (typeof content.error === "string") reject(new Error(content.error));
    else if (content.tensor) resolve(decodeTensor(bufferOf(buffers[0])));
    else resolve(content.body);
  };
  model.on("msg:custom", onMessage);

  const ask = (call, args) =>
    new Promise((resolve, reject) => {
      last += 1;
      waiting.set(last, { resolve, reject });
      model.send({ type: "ask", id: last, call, args });
    });
  // JSON answers are remembered per request, as detailapi.js remembers them per URL: a player
  // stepping back and forth asks the kernel once per position. Failures are not remembered.
  const cached = (call, args) => {
    const key = JSON.stringify([call, args]);
    if (!cache.has(key)) {
      if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value);
      const pending = ask(call, args);
      pending.catch(() => cache.delete(key));
      cache.set(key, pending);
    }
    return cache.get(key);
  };

  const api = {
    explain: (info, layer, params) => cached("explain", { layer, ...params }),
    probabilities: (info, index) => cached("probabilities", { index: index ?? null }),
    intermediate: (info, layer, channel, inputChannels, dtype = "float32") =>
      ask("intermediate", { layer, channel, input_channels: inputChannels ? inputChannels.join(",") : null, dtype }),
    paddedInput: (info, layer, channels, dtype = "float32") => ask("padded_input", { layer, channels: channels.join(","), dtype }),
    layerTensor: (info, name, shape, channels) => ask("layer_tensor", { layer: name, channels: shape.length === 3 ? channels.join(",") : null }),
    panel: (url) => cached("panel", { url }),
    arith: (queryText) => cached("arith", { query: queryText }),
  };
  return {
    api,
    close() {
      model.off("msg:custom", onMessage);
      for (const { reject } of waiting.values()) reject(new Error("the widget was closed"));
      waiting.clear();
    },
  };
}
