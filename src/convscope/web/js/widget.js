// The notebook widget's front end: the overview of one trace drawn by the app's own
// views from the payloads the kernel sends (convscope/server/widget.py), the selected
// value's explanation beneath it. State (layer, channel, y, x, scale) lives in the
// widget model, so Python reads and sets it; clicks here set it too.
import { fitMapSize, overviewColumns } from "./core/layout.js";
import { ordersOf } from "./core/paging.js";
import { scaleContext } from "./core/scales.js";
import { decodeFrames } from "./core/tensor.js";
import { el } from "./views/dom.js";
import { cellAt } from "./views/maps.js";
import { createOverview } from "./views/overview.js";
import { createTooltip } from "./views/tooltip.js";
import { stepRows } from "./core/widgetstep.js";

/** A DataView (how anywidget hands over bytes) as the ArrayBuffer decodeFrames reads. */
const bufferOf = (view) => (view instanceof ArrayBuffer ? view : view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));

function renderStep(panel, step) {
  const rows = stepRows(step);
  panel.replaceChildren(...rows.map(([label, value]) => el("div", "widget-step-row", {}, `${label}: ${value}`)));
  panel.dataset.output = step && typeof step.output === "number" ? String(step.output) : "";
}

export function render({ model, el: host, css }) {
  const style = document.createElement("style");
  style.textContent = css;
  const root = el("div", "convscope-widget");
  const overviewRoot = el("section", "overview");
  const panel = el("section", "widget-step", { "aria-live": "polite" });
  root.append(overviewRoot, panel);
  host.append(style, root);
  const tooltip = createTooltip(root);
  const meta = model.get("model_info");
  const info = model.get("trace_info");
  const columns = overviewColumns(meta, { orders: ordersOf(info) });
  const toggle = (name) => {
    model.set("layer", model.get("layer") === name ? "" : name);
    model.save_changes();
  };
  const overview = createOverview(overviewRoot, { onSelectLayer: toggle, onPage: () => {}, tooltip });
  overview.build(meta, columns, { details: false, mapSize: fitMapSize(columns, 1100) });
  const drawn = columns.filter((c) => c.type !== "classes");
  const ctx = scaleContext(meta.layers, new Map(info.layers.map((l) => [l.name, l])), drawn.map((c) => c.name));
  overview.setTrace(info, ctx, model.get("scale"));
  const wanted = new Set(drawn.map((c) => c.name));
  for (const tensor of decodeFrames(bufferOf(model.get("layers_blob")))) {
    if (wanted.has(tensor.header.layer)) overview.setTensor(tensor.header.layer, tensor);
  }
  overview.select(model.get("layer"));
  renderStep(panel, model.get("step"));
  overviewRoot.addEventListener("click", (event) => {
    const canvas = event.target.closest("canvas.map");
    if (!canvas || canvas.dataset.channel === undefined) return;
    const { y, x } = cellAt(event, canvas);
    const vector = canvas.classList.contains("map-vector") || canvas.classList.contains("map-classes");
    model.set("layer", canvas.dataset.layer);
    model.set("channel", vector ? y : Number(canvas.dataset.channel));
    model.set("y", vector ? 0 : y);
    model.set("x", vector ? 0 : x);
    model.save_changes();
  });
  const onScale = () => overview.repaint(ctx, model.get("scale"));
  const onLayer = () => overview.select(model.get("layer"));
  const onStep = () => renderStep(panel, model.get("step"));
  model.on("change:scale", onScale);
  model.on("change:layer", onLayer);
  model.on("change:step", onStep);
  host.dataset.drawn = "true";
  return () => {
    model.off("change:scale", onScale);
    model.off("change:layer", onLayer);
    model.off("change:step", onStep);
  };
}
