// The exported site's data source (convscope export-site): the same two objects as
// api.js and detailapi.js, read from the files the export wrote under data/ instead
// of a server. Overview payloads are the server's own bytes; explain steps come from
// runtime.js, built from the exported maps and weights, and the explorer's answers
// from arith.js. Explanation panels are built by panels.js from those steps at any
// position, for every step family it words (static_panels.FAMILIES: all of today's);
// a family it does not word falls back to the panels exported for its first position. What needs a server
// (uploads, other positions of those layers) rejects with an ApiError or says so.
import { ApiError, check } from "../api.js";
import { decodeTensor } from "../core/tensor.js";
import { ArithError, arithAnswer } from "./arith.js";
import { covers, softmaxPanel, stepPanel } from "./panels.js";
import { explainStep, intermediateMaps, needs, paddedInput, probabilitiesStep, StepError } from "./runtime.js";

const enc = encodeURIComponent;
const SERVE = "run convscope serve for this";

/** Fetch and memoise (JSON or a decoded tensor); a failure is not remembered. */
function memo(load) {
  const cache = new Map();
  return (url) => {
    if (!cache.has(url)) {
      const pending = load(url);
      pending.catch(() => cache.delete(url));
      cache.set(url, pending);
    }
    return cache.get(url);
  };
}

const fetchJson = memo(async (url) => (await check(await fetch(url))).json());
const fetchTensor = memo(async (url) => decodeTensor(await (await check(await fetch(url))).arrayBuffer()));

const modelBase = (model) => `data/models/${enc(model)}`;
const traceBase = (info) => `${modelBase(info.model)}/traces/${enc(info.image)}`;
const layerUrl = (info, name) => `${info.layers_url}${enc(name)}.bin`;

/** A layer's exported message with only `channels` kept (all of a vector), as the server slices it. */
function sliced(tensor, channels) {
  if (tensor.shape.length !== 3 || !channels) return tensor;
  const [, h, w] = tensor.shape;
  const data = new Float32Array(channels.length * h * w);
  channels.forEach((c, i) => data.set(tensor.data.subarray(c * h * w, (c + 1) * h * w), i * h * w));
  const header = { ...tensor.header, channels: [...channels], shape: [channels.length, h, w] };
  return { header, shape: header.shape, data };
}

/** The channels a request names: its own list, else the first `first`, else all. */
function picked(shape, list, first) {
  if (shape.length !== 3) return null;
  if (list && list.length) return list;
  const count = first ? Math.min(first, shape[0]) : shape[0];
  return Array.from({ length: count }, (_, c) => c);
}

/** The overview's source: api.js's shape. Maps come at full resolution (the overview scales them). */
export const staticApi = {
  models: () => fetchJson("data/models.json"),
  model: (id) => fetchJson(`${modelBase(id)}/model.json`),
  samples: (model) => fetchJson(`${modelBase(model)}/samples.json`),
  trace: (model, image) => fetchJson(`${modelBase(model)}/traces/${enc(image)}/trace.json`),
  async upload() {
    throw new ApiError(400, `this exported site shows its exported images only; to trace your own, ${SERVE}`);
  },
  async layers(info, names, first, dtype, channels = null) {
    const tensors = await Promise.all(names.map((name) => fetchTensor(layerUrl(info, name))));
    return tensors.map((t, i) => sliced(t, picked(t.shape, channels ? channels[i] : null, first)));
  },
  async layer(info, name, shape, channels) {
    return sliced(await fetchTensor(layerUrl(info, name)), picked(shape, channels, null));
  },
};

/** The runtime's data for one trace: every layer it may read, then synchronous getters. */
async function stepData(info, layerNames, withShown) {
  const rules = await fetchJson(`${modelBase(info.model)}/rules.json`);
  const outputs = new Map();
  const weights = new Map();
  await Promise.all(
    layerNames.map(async (name) => {
      const need = needs(rules, name);
      await Promise.all(need.outputs.map(async (n) => outputs.set(n, await fetchTensor(layerUrl(info, n)))));
      if (need.weights) weights.set(name, await fetchTensor(rules.layers[name].weights));
    }),
  );
  const shown = withShown ? await fetchJson(`${traceBase(info)}/softmax.json`) : {};
  return {
    rules,
    data: { output: (n) => outputs.get(n), weights: (n) => weights.get(n), shown: (n) => shown[n] },
  };
}

/** Runtime errors become the ApiError the server would have answered with. */
async function answered(work) {
  try {
    return await work();
  } catch (error) {
    if (error instanceof StepError) throw new ApiError(error.status, error.message);
    throw error;
  }
}

const STEP_LIMIT = 256;
const steps = new Map();

/** A query's whole-number parameters among `names`, as numbers. */
function numbers(query, names) {
  return Object.fromEntries(names.filter((n) => query.has(n)).map((n) => [n, Number(query.get(n))]));
}

/**
 * The panel of a trace's panel URL built from its step by panels.js, or null where
 * panels.js does not word that step's family (the export's panels stand in).
 */
async function builtPanel(model, image, rest) {
  const [path, search = ""] = rest.split("?");
  const query = new URLSearchParams(search);
  const info = await staticApi.trace(decodeURIComponent(model), decodeURIComponent(image));
  const words = await fetchJson("data/panels.json");
  if (path === "probabilities/explanation") {
    const { index = null } = numbers(query, ["index"]);
    return softmaxPanel(words, await staticDetailApi.probabilities(info, index));
  }
  const layer = path.match(/^layers\/([^/]+)\/explanation$/);
  if (!layer) return null;
  const name = decodeURIComponent(layer[1]);
  const step = await staticDetailApi.explain(info, name, numbers(query, ["channel", "y", "x", "index"]));
  if (!covers(words, step)) return null;
  const { slots } = await fetchJson(`${modelBase(info.model)}/panels.json`);
  const { input = null } = numbers(query, ["input"]);
  return stepPanel(words, slots[name], step, { order: query.get("order") === "hwc" ? "hwc" : "chw", inputChannel: input });
}

/** Panel URLs (core/explain.panelUrl) → built panels, else the exported ones; other positions say they need a server. */
async function staticPanel(url) {
  const trace = url.match(/^api\/models\/([^/]+)\/traces\/([^/]+)\/(.*)$/);
  const overview = url.match(/^api\/models\/([^/]+)\/(explanation\?.*)$/);
  if (!trace && !overview) throw new ApiError(404, `this exported site has no explanation panel for this view; ${SERVE}`);
  const built = trace ? await builtPanel(trace[1], trace[2], trace[3]) : null;
  if (built) return built;
  const file = trace ? `data/models/${trace[1]}/traces/${trace[2]}/panels.json` : `data/models/${overview[1]}/panels.json`;
  const panel = (await fetchJson(file))[trace ? trace[3] : overview[2]];
  // Panels of other positions were not exported: the model's panel file says so in words.
  return panel ?? (await fetchJson(`data/models/${(trace ?? overview)[1]}/panels.json`))["not-exported"];
}

/** The detail views' source: detailapi.js's shape. */
export const staticDetailApi = {
  explain(info, layer, params) {
    // Cached per position like the server's answers: hovering back and forth computes once.
    const key = `${traceBase(info)}|${layer}|${JSON.stringify(params)}`;
    if (!steps.has(key)) {
      if (steps.size >= STEP_LIMIT) steps.delete(steps.keys().next().value);
      const pending = answered(async () => {
        const model = await staticApi.model(info.model);
        const { rules, data } = await stepData(info, [layer], true);
        return explainStep(model, rules, layer, params, data);
      });
      pending.catch(() => steps.delete(key));
      steps.set(key, pending);
    }
    return steps.get(key);
  },
  probabilities(info, index) {
    return answered(async () => {
      const rules = await fetchJson(`${modelBase(info.model)}/rules.json`);
      const shown = await fetchJson(`${traceBase(info)}/softmax.json`);
      return probabilitiesStep(rules, info, index, shown[rules.probabilities.input_layer]);
    });
  },
  intermediate(info, layer, channel, inputChannels) {
    return answered(async () => {
      const model = await staticApi.model(info.model);
      const { rules, data } = await stepData(info, [layer], false);
      return intermediateMaps(model, rules, layer, channel, inputChannels, data);
    });
  },
  paddedInput(info, layer, channels) {
    return answered(async () => {
      const { rules, data } = await stepData(info, [layer], false);
      return paddedInput(rules, layer, channels, data);
    });
  },
  async layerTensor(info, name, shape, channels) {
    return sliced(await fetchTensor(layerUrl(info, name)), picked(shape, channels, null));
  },
  panel: (url) => staticPanel(url),
  async arith(query) {
    const words = await fetchJson("data/arith.json");
    try {
      return arithAnswer(query, words);
    } catch (error) {
      if (error instanceof ArithError) throw new ApiError(error.status, error.message);
      throw error;
    }
  },
};
