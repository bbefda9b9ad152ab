// The detail views' requests: step explanations, intermediate conv maps, the
// explorer's arithmetic and attribution maps. Explanations are cached per URL:
// hovering back and forth never asks twice. Failures reject with ApiError carrying
// the server's message.
import { check } from "./api.js";
import { decodeTensor } from "./core/tensor.js";
import { offerUrl, patchesUrl } from "./core/topk.js";

const enc = encodeURIComponent;
const CACHE_LIMIT = 256;
const cache = new Map();

async function fetchChecked(url) {
  return check(await fetch(url));
}

async function cachedJson(url) {
  if (!cache.has(url)) {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value);
    const pending = fetchChecked(url).then((r) => r.json());
    pending.catch(() => cache.delete(url)); // a failure is not remembered
    cache.set(url, pending);
  }
  return cache.get(url);
}

const traceBase = (info) => `api/models/${enc(info.model)}/traces/${enc(info.image)}`;
const query = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== null && v !== undefined)).toString();

export const detailApi = {
  /** The step explanation of one value: params {channel, y, x} or {index}. */
  explain: (info, layer, params) => cachedJson(`${traceBase(info)}/layers/${enc(layer)}/explain?${query(params)}`),
  /** The softmax over the class scores, singling out class `index`. */
  probabilities: (info, index) => cachedJson(`${traceBase(info)}/probabilities?${query({ index })}`),
  /** Per-input-channel intermediate maps of one conv output channel: {header, shape, data}. */
  async intermediate(info, layer, channel, inputChannels, dtype = "float32") {
    const params = query({ channel, dtype, input_channels: inputChannels ? inputChannels.join(",") : null });
    const response = await fetchChecked(`${traceBase(info)}/layers/${enc(layer)}/intermediate?${params}`);
    return decodeTensor(await response.arrayBuffer());
  },
  /** A conv layer's input channels padded as its kernel reads them: {header: {padding_sides, padding_mode, size, …}, shape, data}. */
  async paddedInput(info, layer, channels, dtype = "float32") {
    const params = query({ channels: channels.join(","), dtype });
    const response = await fetchChecked(`${traceBase(info)}/layers/${enc(layer)}/padded-input?${params}`);
    return decodeTensor(await response.arrayBuffer());
  },
  /** Channels of a layer's output (all of a vector layer) as {header, shape, data}, float32: the exact traced values. */
  async layerTensor(info, name, shape, channels) {
    const params = new URLSearchParams({ dtype: "float32" });
    if (shape.length === 3) params.set("channels", channels.join(","));
    const response = await fetchChecked(`${info.layers_url}${enc(name)}?${params}`);
    return decodeTensor(await response.arrayBuffer());
  },
  /** Which layers of a model have top-k dataset patches, and over which datasets (core/topk.offerUrl). */
  topkOffer: (model) => fetchChecked(offerUrl(model)).then((r) => r.json()),
  /** One channel's top-k patches: {running: true, answer: progress} while the pass runs (202), else {running: false, answer}. */
  async topkPatches(model, layer, params) {
    const response = await fetchChecked(patchesUrl(model, layer, params));
    return { running: response.status === 202, answer: await response.json() };
  },
  /** An attribution map with its trust checks: params {class?, method?, layer?} (core/why.attributionParams). */
  attribution: (info, params) => cachedJson(`${traceBase(info)}/insight/attribution?${query(params)}`),
  /** The attribution methods and Grad-CAM's layers a model offers: {methods, spatial, conv, channels}. */
  insightLayers: (model) => cachedJson(`api/models/${enc(model)}/insight/layers`),
  /** An explanation panel (core/explain.panelUrl names it). */
  panel: (url) => cachedJson(url),
  /** The explorer's arithmetic for a query string made by core/explorer.arithQuery. */
  arith: (queryText) => cachedJson(`api/arith?${queryText}`),
};
