// Wires the insight page: reads the URL state, fetches, hands data to the views. No maths here.

import { METHODS, readState, writeState } from "./core/insight.js";
import { wireVisualize } from "./insightvisualize.js";
import { renderAttribution } from "./views/attribution.js";
import { renderFilters, renderKernels } from "./views/insight.js";

async function getJSON(url) {
  const answer = await fetch(url);
  const body = await answer.json();
  if (!answer.ok) throw new Error(typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail));
  return body;
}

function option(value, text, selected) {
  const node = document.createElement("option");
  node.value = value;
  node.textContent = text;
  node.selected = selected;
  return node;
}

async function main() {
  const state = readState(window.location.search);
  const status = document.getElementById("insight-status");
  const models = await getJSON("api/models");
  const model = models.find((m) => m.id === state.model) || models[0];
  state.model = model.id;
  const detail = await getJSON(`api/models/${encodeURIComponent(model.id)}`);
  if (!state.image) {
    const samples = await getJSON(`api/models/${encodeURIComponent(model.id)}/samples`);
    state.image = samples.length ? samples[0].id : null;
  }
  const { conv: convs, spatial, channels } = await getJSON(`api/models/${encodeURIComponent(model.id)}/insight/layers`);
  const method = document.getElementById("insight-method");
  METHODS.forEach((m) => method.append(option(m, m, m === state.method)));
  const klass = document.getElementById("insight-class");
  klass.append(option("", "predicted class", state.klass === null));
  detail.classes.forEach((name, i) => klass.append(option(String(i), `${i}: ${name}`, i === state.klass)));
  const layer = document.getElementById("insight-layer");
  spatial.forEach((name) => layer.append(option(name, name, name === state.layer)));
  if (!spatial.includes(state.layer)) layer.value = spatial[spatial.length - 1];

  const trace = `api/models/${encodeURIComponent(model.id)}/traces/${encodeURIComponent(state.image)}`;
  const view = { opacity: 0.5 }; // kept across maps
  const remember = () => window.history.replaceState(null, "", writeState(state) + window.location.hash);
  async function refresh() {
    state.method = method.value;
    state.klass = klass.value === "" ? null : Number(klass.value);
    state.layer = layer.value;
    remember();
    status.textContent = "computing…";
    try {
      const params = new URLSearchParams({ method: state.method });
      if (state.klass !== null) params.set("class", String(state.klass));
      if (state.method === "gradcam") params.set("layer", state.layer);
      renderAttribution(document.getElementById("insight-attribution"), await getJSON(`${trace}/insight/attribution?${params}`), {
        imageUrl: `${trace}/image`, opacity: view.opacity, onOpacity: (value) => { view.opacity = value; },
      });
      const filterLayer = convs.includes(state.layer) ? state.layer : convs[0];
      renderFilters(document.getElementById("insight-filters"), await getJSON(`api/models/${encodeURIComponent(model.id)}/insight/filters/${encodeURIComponent(filterLayer)}`));
      status.textContent = "";
    } catch (error) {
      status.textContent = error.message;
    }
  }
  layer.addEventListener("change", () => { state.channel = null; }); // a channel belongs to its layer
  [method, klass, layer].forEach((control) => control.addEventListener("change", refresh));
  wireVisualize({
    model: model.id, spatial, channels, classes: detail.classes, state,
    onStart(target) {
      // The page has one layer and one class: what was visualised becomes them, and the URL (#visualize) reopens it.
      const before = [layer.value, klass.value];
      if (target.mode === "channel") [layer.value, state.channel] = [target.layer, Number(target.channel)];
      else [klass.value, state.channel] = [String(target.klass), null];
      window.history.replaceState(null, "", `${writeState(state)}#visualize`);
      if (layer.value !== before[0] || klass.value !== before[1]) refresh();
      else remember();
    },
  });
  renderKernels(document.getElementById("insight-kernels"), await getJSON(`${trace}/insight/kernels`));
  await refresh();
  document.body.dataset.ready = "true";
  if (window.location.hash === "#visualize") document.getElementById("visualize").scrollIntoView();
}

main().catch((error) => {
  document.getElementById("insight-status").textContent = error.message;
  document.body.dataset.ready = "true";
});
