// "Why this class?" inside the explainer (view=why): a class picker (top classes first), the
// attribution methods and Grad-CAM's layers the server offers, and views/attribution.js drawing the
// server's map over the input with its trust checks. Choices go to the URL (class, method, layer).
import { formatPercent } from "./core/format.js";
import { whyLink } from "./core/insight.js";
import { attributionParams, classOrder } from "./core/why.js";
import { renderAttribution } from "./views/attribution.js";
import { message } from "./views/detail/common.js";
import { el } from "./views/dom.js";

const NEEDS_SERVER = "“Why this class?” needs a ConvScope server: attribution maps are computed by convscope serve.";
const view = { opacity: 0.5 }; // the map's opacity, kept across classes, methods and reopenings

function picker(label, name, entries, selected, onChange) {
  const wrap = el("label", "why-pick", {}, `${label} `);
  const select = el("select", "", { name, "data-key": name });
  for (const [value, text] of entries) {
    const option = el("option", "", { value }, text);
    option.selected = value === selected;
    select.append(option);
  }
  select.addEventListener("change", () => onChange(select.value));
  wrap.append(select);
  return { wrap, select };
}

/** The view: ctx {model, info, state, navigate, api}. position(state) follows class, method and layer. */
export async function open(root, ctx) {
  if (!ctx.api.attribution) {
    message(root, NEEDS_SERVER, "info");
    return {};
  }
  const { info } = ctx;
  const offer = await ctx.api.insightLayers(ctx.model.id);
  const controls = el("div", "why-controls");
  const body = el("div", "why-body insight-row", { "aria-live": "polite" });
  const status = el("p", "why-status", { role: "status" });
  root.append(controls, status, body);
  let token = 0;

  function drawControls(data) {
    const classes = classOrder(info.probabilities).map((i) => [String(i), `${ctx.model.classes[i]} · ${formatPercent(info.probabilities[i])}`]);
    const klass = picker("Class", "class", classes, String(data.class), (value) => ctx.navigate({ class: Number(value) }, null, { replace: true }));
    const method = picker("Method", "method", offer.methods.map((m) => [m, m]), data.method, (value) => ctx.navigate({ method: value }, null, { replace: true }));
    controls.replaceChildren(klass.wrap, method.wrap);
    if (data.layer) { // the server names the layer a method reads (Grad-CAM's); the rest read none
      const layer = picker("Layer", "layer", offer.spatial.map((n) => [n, n]), data.layer, (value) => ctx.navigate({ layer: value }, null, { replace: true }));
      controls.append(layer.wrap);
    }
    controls.append(el("a", "why-insight-link", { href: whyLink(info.model, info.image, data.class, data.method, data.layer) }, "Open on the Insight page"));
  }

  async function load(state) {
    const mine = ++token;
    root.dataset.why = "computing"; // "ready" once this state's map (or its error) is shown
    status.textContent = "computing…";
    try {
      const data = await ctx.api.attribution(info, attributionParams(state, offer.spatial, offer.methods));
      if (mine !== token) return;
      drawControls(data);
      renderAttribution(body, data, { imageUrl: info.image_url, opacity: view.opacity, onOpacity: (value) => { view.opacity = value; } });
      status.textContent = "";
    } catch (error) {
      if (mine !== token) return;
      body.replaceChildren();
      status.textContent = error.message;
    }
    root.dataset.why = "ready";
  }

  await load(ctx.state);
  return { position: (state) => load(state) };
}
