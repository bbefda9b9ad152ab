// The notebook widget's front end: the overview of one trace and the app's detail views,
// drawn by the app's own modules from what the kernel sends (convscope/server/widget.py).
// The views ask the kernel for their data over the widget's messages (core/kernelapi.js).
// The state the app keeps in its URL lives here in the widget model for the fields Python
// sees (view, layer, channel, y, x, input, scale), so Python reads and sets them and clicks
// here set them too; the rest (the explorer's settings, the shape order) stays in the cell.
import { bufferOf, kernelApi } from "./core/kernelapi.js";
import { fitMapSize, overviewColumns } from "./core/layout.js";
import { ordersOf } from "./core/paging.js";
import { scaleContext } from "./core/scales.js";
import { decodeFrames } from "./core/tensor.js";
import { defaultState } from "./core/urlstate.js";
import { createDetails } from "./details.js";
import { el } from "./views/dom.js";
import { renderLayerInfo } from "./views/layerinfo.js";
import { createOverview } from "./views/overview.js";
import { createTooltip } from "./views/tooltip.js";

/** The state fields synced with Python (the widget's traits of the same names). */
export const SYNCED = ["view", "layer", "channel", "y", "x", "input", "scale"];

function drawOverview(overviewRoot, model, handlers) {
  const meta = model.get("model_info");
  const info = model.get("trace_info");
  const columns = overviewColumns(meta, { orders: ordersOf(info) });
  const overview = createOverview(overviewRoot, handlers);
  overview.build(meta, columns, { details: false, mapSize: fitMapSize(columns, 1100) });
  const drawn = columns.filter((c) => c.type !== "classes");
  const ctx = scaleContext(meta.layers, new Map(info.layers.map((l) => [l.name, l])), drawn.map((c) => c.name));
  overview.setTrace(info, ctx, model.get("scale"));
  const wanted = new Set(drawn.map((c) => c.name));
  for (const tensor of decodeFrames(bufferOf(model.get("layers_blob")))) {
    if (wanted.has(tensor.header.layer)) overview.setTensor(tensor.header.layer, tensor);
  }
  return { overview, ctx };
}

export function render({ model, el: host, css }) {
  const style = document.createElement("style");
  style.textContent = css;
  const root = el("div", "convscope-widget", { tabindex: "-1" });
  const overviewRoot = el("section", "overview", { "aria-label": "Every layer's activation maps" });
  const layerInfo = el("section", "layer-info", { "aria-label": "Selected layer" });
  root.append(overviewRoot, layerInfo);
  host.append(style, root);
  const meta = model.get("model_info");
  const info = model.get("trace_info");
  const synced = () => Object.fromEntries(SYNCED.map((k) => [k, model.get(k) ?? null]));
  const app = { model: meta, info, state: { ...defaultState(), model: meta.id, image: info.image, ...synced() } };
  let local = app.state; // every field, the synced ones as last seen
  const kernel = kernelApi(model);

  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      apply();
    });
  };
  // The app's navigate: the synced fields go to Python (and come back as changes); all are applied once per tick.
  function navigate(patch) {
    local = { ...local, ...patch };
    const changed = SYNCED.filter((k) => k in patch && model.get(k) !== patch[k]);
    for (const k of changed) model.set(k, patch[k]);
    if (changed.length) model.save_changes();
    schedule();
  }
  const toggle = (name) => navigate({ layer: app.state.layer === name ? "" : name });
  const { overview, ctx } = drawOverview(overviewRoot, model, { onSelectLayer: toggle, onPage: () => {}, tooltip: createTooltip(root) });
  const details = createDetails(root, { navigate, overviewRoot, layerInfoRoot: layerInfo, api: kernel.api });

  function apply() {
    const prev = app.state;
    const next = { ...local, ...synced() };
    local = next;
    app.state = next;
    if (prev.scale !== next.scale) overview.repaint(ctx, next.scale);
    overview.select(next.layer);
    const layer = meta.layers.find((l) => l.name === next.layer);
    renderLayerInfo(layerInfo, layer, info.layers.find((l) => l.name === next.layer), next.order);
    details.update(next, app);
    host.dataset.view = next.view;
  }
  const onChange = () => schedule();
  for (const k of SYNCED) model.on(`change:${k}`, onChange);
  root.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    let handled = details.escape(app.state);
    if (!handled && app.state.layer) {
      navigate({ layer: "" });
      handled = true;
    }
    // The notebook's own Esc (leave the cell) waits until the widget has nothing left to close.
    if (handled) event.stopPropagation();
  });
  apply();
  host.dataset.drawn = "true";
  return () => {
    for (const k of SYNCED) model.off(`change:${k}`, onChange);
    kernel.close();
  };
}
