// Wiring of the detail views: open the view state.view names over the overview,
// open views from clicks and keys on the overview, step back with Esc.
// Views are modules with open(container, ctx) -> {position(state)?, destroy()?}.
import { backFrom, viewForLayer } from "./core/detail.js";
import { stateOfSettings } from "./core/explorer.js";
import { detailApi } from "./detailapi.js";
import { el } from "./views/dom.js";
import { createExplainPanel, panelFollower } from "./views/explainpanel.js";
import { cellAt } from "./views/maps.js";
import * as activation from "./views/detail/activation.js";
import * as add from "./views/detail/add.js";
import * as batchnorm from "./views/detail/batchnorm.js";
import { message } from "./views/detail/common.js";
import * as conv from "./views/detail/conv.js";
import * as formula from "./views/detail/formula.js";
import * as linear from "./views/detail/linear.js";
import * as pool from "./views/detail/pool.js";
import * as softmax from "./views/detail/softmax.js";
import * as step from "./views/detail/step.js";
import * as explorer from "./views/explorer.js";
import * as topk from "./topkdetail.js";
import { whyPatch } from "./core/why.js";
import * as why from "./whydetail.js";

/** Views by the name viewForLayer gives, plus the ones reached from inside a view. */
const VIEWS = { conv, activation, pool, batchnorm, add, linear, softmax, step, formula, explorer, topk, why };

const TITLES = {
  conv: "Convolution", formula: "Convolution formula", activation: "Activation", pool: "Pooling",
  batchnorm: "Batch normalisation", add: "Residual add", linear: "Fully connected", softmax: "Softmax",
  step: "Step", explorer: "Hyperparameter explorer", topk: "What excites this channel",
  why: "Why this class?",
};

/**
 * handlers: {navigate(patch), overviewRoot, layerInfoRoot, api?}. `api` is where the views' data
 * comes from (detailapi.js's shape); the server's by default, a notebook kernel or exported files
 * elsewhere. Returns {update(state, app), escape(state)}.
 */
export function createDetails(main, handlers) {
  const api = handlers.api ?? detailApi;
  const root = el("section", "detail", { "aria-label": "Detail view", role: "region", tabindex: "-1" });
  root.hidden = true;
  main.append(root);
  const actions = el("div", "detail-actions", { "aria-label": "Explain the selected layer" });
  handlers.layerInfoRoot.after(actions);
  let current = { key: "", view: null };
  let app = null;
  // The overview's introduction, above the maps; each detail view gets its own panel (open).
  const introSlot = el("div", "explain-slot explain-intro-slot");
  handlers.overviewRoot.before(introSlot);
  const intro = createExplainPanel(introSlot, { className: "explain-intro" });
  const followIntro = panelFollower(intro, api.panel);
  const panelContext = (layer) => ({ model: app.model.id, info: app.info, layer, byName: new Map(app.model.layers.map((l) => [l.name, l])) });

  function close() {
    if (current.view && current.view.destroy) current.view.destroy();
    if (current.panel) current.panel.destroy();
    current = { key: "", view: null };
    root.replaceChildren();
    root.hidden = true;
    document.body.classList.remove("detail-open");
  }

  function contextFor(state) {
    const byName = new Map(app.model.layers.map((l) => [l.name, l]));
    return {
      model: app.model,
      info: app.info,
      state,
      byName,
      layer: byName.get(state.layer) ?? null,
      navigate: handlers.navigate,
      api,
      /** Channels of a layer's output as {header, shape, data} (float32: the exact traced values). */
      tensor: (name, channels) => api.layerTensor(app.info, name, byName.get(name).output_shape, channels),
    };
  }

  function viewName(state, layer) {
    if (state.view === "detail") return viewForLayer(layer);
    return VIEWS[state.view] ? state.view : null;
  }

  async function open(state) {
    const layer = app.model.layers.find((l) => l.name === state.layer) ?? null;
    const name = viewName(state, layer);
    // "Why this class?" follows its class, method and layer in place (position), like a cursor.
    const inPlace = state.view === "explorer" || state.view === "why";
    const key = [state.view, name, state.model, state.image, state.view === "why" ? "" : state.layer, inPlace ? "" : state.channel, state.input].join("|");
    if (key === current.key && current.view) {
      if (current.view.position) current.view.position(state);
      if (current.follow) current.follow(name, state, panelContext(layer)); // the panel follows the same position
      return;
    }
    close();
    current.key = key;
    root.hidden = false;
    document.body.classList.add("detail-open");
    const head = el("header", "detail-head");
    const back = el("button", "detail-back", { type: "button", "aria-label": "Back one level (Esc)" }, "← Back");
    back.addEventListener("click", () => escape(app.state));
    const title = el("h2", "detail-title", {}, `${TITLES[name] ?? "Detail"}${layer && name !== "why" ? ` · ${layer.name}` : ""}`);
    head.append(back, title, el("span", "detail-hint", {}, "Esc steps back"));
    topk.offer(head, state, handlers.navigate, api);
    const body = el("div", "detail-body");
    const slot = el("div", "explain-slot");
    root.append(head, slot, body);
    root.dataset.view = name ?? "none";
    root.dataset.ready = "false"; // "true" once the view has drawn (tests and benchmarks wait on it)
    back.focus({ preventScroll: true });
    if (!name) {
      const why = !layer && state.view !== "explorer" ? `there is no layer '${state.layer}' in this model` : `layer '${state.layer}' (${layer ? layer.kind : "?"}) has no step-by-step explanation; pick a convolution, activation, pooling, batchnorm, add or linear layer`;
      message(body, `Nothing to explain: ${why}.`);
      root.dataset.ready = "true";
      return;
    }
    if (!app.info && name !== "explorer" && name !== "topk") {
      message(body, "Choose an image first: detail views explain a traced image.");
      root.dataset.ready = "true";
      return;
    }
    const myKey = key;
    if (name !== "topk" && name !== "why") { // dataset patches and attributions have no step-by-step panel
      current.panel = createExplainPanel(slot, { className: "explain-detail" });
      current.follow = panelFollower(current.panel, api.panel);
      current.follow(name, state, panelContext(layer));
    }
    try {
      const view = await VIEWS[name].open(body, contextFor(state));
      if (current.key !== myKey) {
        if (view && view.destroy) view.destroy();
        return;
      }
      current.view = view ?? {};
    } catch (error) {
      if (current.key === myKey) message(body, error.message);
    }
    if (current.key === myKey) root.dataset.ready = "true";
  }

  function renderActions(state) {
    actions.replaceChildren();
    if (state.view !== "overview") return;
    const layer = app && app.model && app.model.layers.find((l) => l.name === state.layer);
    if (!layer) {
      const button = el("button", "explorer-open-button", { type: "button" }, "Hyperparameter explorer");
      button.addEventListener("click", () => handlers.navigate({ view: "explorer", ...stateOfSettings(null) }));
      actions.append(button);
      return;
    }
    const name = viewForLayer(layer);
    if (name) {
      const button = el("button", "detail-open-button", { type: "button" }, `Explain ${layer.name} step by step`);
      button.addEventListener("click", () => handlers.navigate({ view: "detail", channel: 0 }));
      actions.append(button);
    }
    if (layer.view === "conv" || layer.view === "pool") {
      const button = el("button", "explorer-open-button", { type: "button" }, "Open the explorer with this layer's settings");
      button.addEventListener("click", () => handlers.navigate({ view: "explorer", ...stateOfSettings(null) }));
      actions.append(button);
    }
  }

  /** Esc: step back one level; false when there is nothing to step back from here. */
  function escape(state) {
    const patch = backFrom(state);
    if (!patch) return false;
    // Leaving the explorer drops its settings from the URL (back brings them again).
    handlers.navigate(state.view === "explorer" ? { ...patch, ...stateOfSettings(null) } : patch);
    return true;
  }

  // Opening views from the overview: click a map, a vector or a class; Enter on a focused map.
  function openFrom(target, event) {
    if (!app || !app.model) return;
    if (target.classList.contains("class-row")) {
      handlers.navigate({ view: "detail", layer: app.model.logits_layer, channel: Number(target.dataset.channel), y: null, x: null });
      return;
    }
    const layer = app.model.layers.find((l) => l.name === target.dataset.layer);
    if (!layer) return;
    const [, fullH, fullW] = layer.output_shape; // a reduced map's canvas has fewer cells than the layer
    const cell = event && event.clientX !== undefined && event.detail > 0 ? cellAt(event, target, fullH, fullW) : { y: 0, x: 0 };
    if (layer.output_shape.length === 1) {
      handlers.navigate({ view: "detail", layer: layer.name, channel: cell.y, y: null, x: null });
      return;
    }
    const channel = Number(target.dataset.channel);
    const sweep = layer.view === "conv"; // the elastic view opens with its animated sweep
    handlers.navigate({ view: "detail", layer: layer.name, channel, y: sweep ? null : cell.y, x: sweep ? null : cell.x });
  }

  // The class column's "?" and the headline's "Why this class?" open the view in place; their
  // href (core/why.whyHref) is the same state, for a new tab.
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.class-why, a.prediction-why");
    if (!link || !app || !app.model || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    handlers.navigate(whyPatch(Number(link.dataset.channel)));
  });

  handlers.overviewRoot.addEventListener("click", (event) => {
    const target = event.target.closest("canvas.map, .class-row");
    if (target) openFrom(target, event);
  });
  handlers.overviewRoot.addEventListener("keydown", (event) => {
    const target = event.target.closest && event.target.closest("canvas.map, .class-row");
    if (target && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      openFrom(target, null);
    }
  });

  // A new image may show other channels in the same canvases (the overview keeps them), so labels are checked each time.
  function makeFocusable() {
    handlers.overviewRoot.querySelectorAll("canvas.map, .class-row").forEach((node) => {
      if (!node.hasAttribute("tabindex")) {
        node.tabIndex = 0;
        node.setAttribute("role", "button");
      }
      const what = node.classList.contains("class-row") ? `class ${node.textContent.trim().split(/\s/)[0]}` : `${node.dataset.layer} channel ${node.dataset.channel}`;
      if (node.getAttribute("aria-label") !== `Explain ${what}`) node.setAttribute("aria-label", `Explain ${what}`);
    });
  }

  return {
    /** Called by the app after every state change, once the model (and trace) are loaded. */
    update(state, appState) {
      app = appState;
      if (!app.model) return;
      makeFocusable();
      renderActions(state);
      introSlot.hidden = state.view !== "overview";
      if (state.view === "overview") followIntro("overview", state, panelContext(null));
      // A detail view needs a layer (a model switch clears it); the explorer and "Why this class?" do not.
      if (state.view === "overview" || (!state.layer && state.view !== "explorer" && state.view !== "why")) close();
      else open(state);
    },
    escape,
  };
}
