// Wiring only: state in the URL, data from the API, drawing by the views.
// Views register in VIEWS; the overview is always drawn, detail views (later)
// open over it when state.view names them.
import { dataSources } from "./source.js";
import { openText, overviewPlan, resolveView, toggled } from "./core/blocks.js";
import { columnsKey, fitColumnGap, fitMapSize, overviewColumns, valueCount } from "./core/layout.js";
import { ordersOf } from "./core/paging.js";
import { chooseDtype } from "./core/tensor.js";
import { classPage } from "./core/classlist.js";
import { anyReduced, mapBox, reducedText, reducedValueCount } from "./core/reduced.js";
import { legendsFor, scaleContext } from "./core/scales.js";
import { decodeState, encodeState, isNavigation } from "./core/urlstate.js";
import { createUploads, imageForModel } from "./core/gallery.js";
import { renderBanner } from "./views/banner.js";
import { createPicker } from "./views/picker.js";
import { renderPrediction } from "./views/classes.js";
import { createControls } from "./views/controls.js";
import { createInputs } from "./views/inputs.js";
import { renderLayerInfo } from "./views/layerinfo.js";
import { renderLegends } from "./views/legend.js";
import { createOverview } from "./views/overview.js";
import { createOverviewBar } from "./views/overviewbar.js";
import { createTooltip } from "./views/tooltip.js";
import { wireExplorerEntry } from "./views/explorerentry.js";
import { createDetails } from "./details.js";
import { createQuizMode } from "./quizmode.js";

// The server's API, or an exported site's files (source.js).
const { api, detailApi } = await dataSources(document.documentElement.dataset.source);
// Up to this many values, all layers come in one request.
const BATCH_VALUES = 1 << 20;
const $ = (id) => document.getElementById(id);
// pages: layer name -> page of its most-active-first channel order (per model, kept across images).
// samples: the viewed model's own (samplesFor names that model); thumbs: upload id -> object URL of the file.
// classView: the class column's search and page (models with many classes); box: device pixels a map is drawn in.
const app = { state: null, models: [], samples: [], samplesFor: null, thumbs: new Map(), model: null, built: "", info: null, ctx: null, tensors: new Map(), token: 0, pages: new Map(), classView: { query: "", page: 0, focus: null }, box: 64 };

const tooltip = createTooltip();
const uploads = createUploads(window.sessionStorage);
const picker = createPicker($("picker"), { onModel: (id) => navigate({ model: id, layer: "", compact: "auto", open: "", unfold: "" }) });
const controls = createControls($("controls"), {
  onScale: (scale) => navigate({ scale }),
  onDetails: (details) => navigate({ details }),
  onOrder: (order) => navigate({ order }),
});
const inputs = createInputs($("inputs"), { onSample: (id) => navigate({ image: id }), onFile: upload });
const overview = createOverview($("overview"), { onSelectLayer: toggleLayer, onPage: turnPage, onToggleBlock: toggleBlock, onToggleFold: toggleFold, onClasses: turnClasses, tooltip });
const overviewBar = createOverviewBar($("overview"), { onCompact: setCompact, onAll: setAllBlocks });
const details = createDetails(document.querySelector("main"), { navigate, overviewRoot: $("overview"), layerInfoRoot: $("layer-info"), api: detailApi });
const quiz = createQuizMode({ navigate, toggle: $("quiz-toggle"), storage: window.localStorage });

wireExplorerEntry($("explorer-entry"), navigate);

/** "3 channels × 64 × 64 = 12,288 values": the input layer's fact, as the server worded it. */
function inputValuesText(model, order) {
  const input = model.layers.find((l) => l.display === "input");
  const fact = input && (input.facts ?? []).find((f) => f.label === "input values");
  return fact ? fact[order] ?? fact.chw : "";
}

function toggleLayer(name) {
  navigate({ layer: app.state.layer === name ? "" : name });
}

// Deep networks' overview (core/blocks.js): the reader's choices live in the URL.
function toggleBlock(name) {
  navigate({ open: openText(app.model, toggled(resolveView(app.model, app.state).open, name)) });
}

function toggleFold(name) {
  navigate({ unfold: [...toggled(resolveView(app.model, app.state).unfold, name)].join(",") });
}

function setCompact(on) {
  const fallback = Boolean(app.model.overview && app.model.overview.compact);
  navigate({ compact: on === fallback ? "auto" : on ? "on" : "off", unfold: "" });
}

function setAllBlocks(open) {
  navigate({ open: openText(app.model, new Set(open ? (app.model.blocks ?? []).map((b) => b.name) : [])) });
}

/**
 * Change state: a history entry for navigation (model, image, layer), a replacement otherwise;
 * {replace: true} always replaces (an animation's frames must not fill the history).
 */
function navigate(patch, loaded = null, { replace = false } = {}) {
  const next = { ...app.state, ...patch };
  const url = encodeState(next) || location.pathname;
  if (!replace && isNavigation(app.state, next)) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
  return apply(next, loaded);
}

async function upload(file) {
  inputs.clearError();
  inputs.busy(true);
  try {
    const info = await api.upload(app.state.model, file);
    uploads.remember(info.image, file.name);
    if (!app.thumbs.has(info.image)) app.thumbs.set(info.image, URL.createObjectURL(file));
    showGallery();
    await navigate({ image: info.image }, info);
  } catch (error) {
    inputs.showError(error.message); // the previous image and maps stay as they were
  } finally {
    inputs.busy(false);
  }
}

/**
 * What the overview shows for `state` and trace `info`, worked out without touching the page:
 * the columns (each big layer's most active channels first), the map size and box, and the key
 * that says whether the built overview already shows exactly this.
 */
function overviewFor(state, info) {
  const view = resolveView(app.model, state);
  const plan = overviewPlan(app.model, view);
  const list = classPage(app.model.classes, info ? info.ranking : null, app.classView);
  const columns = overviewColumns(app.model, { orders: ordersOf(info), pages: app.pages, plan, classes: list.paged ? list : null });
  const key = `${app.model.id}|${state.details}|${state.order}|${view.compact}|${[...view.unfold]}|${[...view.open]}|${columnsKey(columns)}|${list.query}|${list.page}`;
  if (key === app.built) return { view, list, columns, key, box: app.box };
  // Block headers and the routes' band sit above the maps of networks with blocks.
  const above = columns.some((c) => c.block) ? 54 : 0;
  const available = window.innerHeight - $("overview").getBoundingClientRect().top - 80 - above;
  const mapSize = fitMapSize(columns, available);
  // Compact columns spread over the screen, so their headers have room to say more.
  const columnGap = view.compact ? fitColumnGap(columns, $("overview").clientWidth - 4, { mapSize }) : null;
  return { view, list, columns, key, mapSize, columnGap, box: mapBox(mapSize, window.devicePixelRatio) };
}

/** Build the overview `overviewFor` planned, unless it shows that already; true when it built. */
function buildOverview(state, planned) {
  const { view, list, columns, key, mapSize, columnGap, box } = planned;
  overviewBar.sync(app.model, view);
  if (key === app.built) return false;
  app.box = box;
  overview.build(app.model, columns, { details: state.details, order: state.order, mapSize, columnGap, classList: { ...list, focus: app.classView.focus } });
  app.classView.focus = null; // the control that had the keyboard got it back; later rebuilds leave focus alone
  overview.select(state.layer);
  app.built = key;
  return true;
}

/** Build the overview when the maps it shows changed (model, details, order or page); true when it did. */
function ensureBuilt(state, info) {
  return buildOverview(state, overviewFor(state, info));
}

/** Another page or search of the class column (models with many classes): rebuild it, redraw from the tensors at hand. */
function turnClasses(view) {
  app.classView = view;
  if (!app.model || !ensureBuilt(app.state, app.info)) return;
  if (app.info) redraw();
  details.update(app.state, app);
}

/** The legends, and under them how reduced maps are drawn. */
function showLegends(scale) {
  renderLegends($("legends"), legendsFor(scale, app.ctx), scale);
  const text = reducedText([...app.tensors.values()].map((t) => t.header));
  if (text) $("legends").append(Object.assign(document.createElement("p"), { className: "legend-reduced", textContent: text }));
}

/** Show another page of a big layer's channels: rebuild its column, then fetch just those maps. */
async function turnPage(name, page) {
  app.pages.set(name, page);
  if (!ensureBuilt(app.state, app.info)) return;
  if (app.info) redraw();
  details.update(app.state, app); // the new maps become keyboard reachable
  const col = overview.columns.find((c) => c.name === name);
  const info = app.info;
  if (!info || !col) return;
  try {
    const tensor = await api.layer(info, name, col.shape, col.channels, app.box);
    const now = overview.columns.find((c) => c.name === name);
    // A later page (or image) may have replaced this one while it loaded.
    if (app.info !== info || !now || now.channels.join() !== tensor.header.channels.join()) return;
    app.tensors.set(name, tensor);
    overview.setTensor(name, tensor);
  } catch (error) {
    inputs.showError(error.message);
  }
}

/** The gallery of the viewed model: its samples, then this session's uploads by file name. */
function showGallery() {
  const model = encodeURIComponent(app.samplesFor ?? "");
  const mine = uploads.list().map((u) => ({ ...u, url: app.thumbs.get(u.id) ?? `api/models/${model}/traces/${encodeURIComponent(u.id)}/image` }));
  inputs.setSamples(app.samples, mine);
}

/** Another model: fetch its own samples, and keep the image only if this model can show it. */
async function switchSamples(next) {
  app.samples = await api.samples(next.model);
  app.samplesFor = next.model;
  showGallery();
  const image = imageForModel(next.image, app.samples, uploads.list());
  if (image === next.image) return next;
  const fixed = { ...next, image };
  history.replaceState(null, "", encodeState(fixed) || location.pathname);
  return fixed;
}

async function apply(next, loaded = null) {
  const prev = app.state ?? {};
  app.state = next;
  controls.sync(next);
  picker.sync(next);
  try {
    if (app.samplesFor !== next.model) next = app.state = await switchSamples(next);
    if (!app.model || app.model.id !== next.model) {
      app.model = { ...(await api.model(next.model)), id: next.model };
      app.info = null;
      app.pages = new Map();
      app.classView = { query: "", page: 0, focus: null };
      renderBanner($("banner"), app.model);
    }
    const current = app.info && app.info.model === next.model && app.info.image === next.image ? app.info : null;
    // A trace on its way builds the overview in its own channel order; build now only if nothing fits yet.
    const loading = Boolean(next.image) && !current;
    if (!loading || !app.built.startsWith(`${next.model}|${next.details}|${next.order}|`)) {
      if (ensureBuilt(next, current) && current) {
        refreshContext(current);
        redraw();
        fillMissing(current);
      }
    }
    if (loading) {
      await loadTrace(next, loaded);
    } else if (prev.scale !== next.scale && app.ctx) {
      overview.repaint(app.ctx, next.scale);
      showLegends(next.scale);
    }
  } catch (error) {
    inputs.showError(error.message);
  }
  overview.select(next.layer);
  const layer = app.model && app.model.layers.find((l) => l.name === next.layer);
  renderLayerInfo($("layer-info"), layer, app.info && app.info.layers.find((l) => l.name === next.layer), next.order);
  if (app.model) inputs.setValues(inputValuesText(app.model, next.order));
  details.update(next, app);
  quiz.update(next, app);
}

function redraw() {
  overview.setTrace(app.info, app.ctx, app.state.scale);
  for (const [name, tensor] of app.tensors) overview.setTensor(name, tensor);
}

/** Colour ranges over the columns drawn now (opening a block or a fold adds columns). */
function refreshContext(info) {
  const columns = overview.columns.filter((c) => c.type !== "classes");
  app.ctx = scaleContext(app.model.layers, new Map(info.layers.map((l) => [l.name, l])), columns.map((c) => c.name));
  renderLegends($("legends"), legendsFor(app.state.scale, app.ctx), app.state.scale);
}

/** Fetch the maps of columns a rebuild added (an opened block or fold), each drawn as it arrives. */
async function fillMissing(info) {
  const shows = (col) => {
    const tensor = app.tensors.get(col.name);
    return tensor && (col.type !== "maps" || tensor.header.channels.join() === col.channels.join());
  };
  const missing = overview.columns.filter((c) => c.type !== "classes" && !shows(c));
  try {
    await Promise.all(
      missing.map(async (col) => {
        const tensor = await api.layer(info, col.name, col.shape, col.channels, app.box);
        const now = overview.columns.find((c) => c.name === col.name);
        if (app.info !== info || !now || (now.type === "maps" && now.channels.join() !== tensor.header.channels.join())) return;
        app.tensors.set(col.name, tensor);
        overview.setTensor(col.name, tensor);
      }),
    );
  } catch (error) {
    inputs.showError(error.message);
  }
}

async function loadTrace(state, loaded) {
  const token = ++app.token;
  document.body.dataset.drawn = "";
  inputs.busy(true);
  try {
    const info = loaded ?? (await api.trace(state.model, state.image));
    if (token !== app.token) return;
    const planned = overviewFor(state, info); // big layers show their most active channels first
    const columns = planned.columns.filter((c) => c.type !== "classes");
    const ranges = new Map(info.layers.map((l) => [l.name, l]));
    const ctx = scaleContext(app.model.layers, ranges, columns.map((c) => c.name), app.model.input_spec.channel_tints);
    // Maps larger than their box come reduced to it, so even VGG-16's overview is one request.
    const box = planned.box;
    const batched = reducedValueCount(columns, box) <= BATCH_VALUES;
    let arrived = [];
    if (batched) {
      // One request for every layer (per-request overhead dominates), each with the channels drawn.
      const first = Math.max(...columns.map((c) => c.channels.length));
      const picked = columns.map((c) => (c.type === "maps" && c.channels.length < c.total ? c.channels : []));
      // Exact float32 for small networks; big ones get float16 for each layer where it changes no digit shown.
      const dtype = anyReduced(columns, box) ? "auto" : chooseDtype(valueCount(columns), 4 << 20);
      arrived = await api.layers(info, columns.map((c) => c.name), first, dtype, picked, box);
      if (token !== app.token) return;
    }
    // The new trace replaces the old one on screen all at once, in one frame: until its maps
    // are in, the last image's maps stay up under their own labels (and stay if the request fails).
    app.info = info;
    buildOverview(state, planned);
    app.ctx = ctx;
    app.tensors = new Map();
    overview.setTrace(info, ctx, state.scale);
    const sample = app.samples.find((s) => s.id === info.image);
    renderPrediction($("prediction"), info, sample && sample.label);
    inputs.setCurrent(info, app.model.input_spec);
    const show = (name, tensor) => {
      app.tensors.set(name, tensor);
      overview.setTensor(name, tensor);
    };
    arrived.forEach((tensor) => show(tensor.header.layer, tensor));
    if (!batched) {
      showLegends(state.scale);
      // Very wide networks: layer by layer, each drawn as it arrives.
      await Promise.all(
        columns.map(async (col) => {
          const tensor = await api.layer(info, col.name, col.shape, col.channels, box);
          if (token === app.token) show(col.name, tensor);
        }),
      );
      if (token !== app.token) return;
    }
    showLegends(state.scale);
    document.body.dataset.drawn = `${info.model}/${info.image}`;
    window.dispatchEvent(new CustomEvent("convscope:drawn", { detail: { model: info.model, image: info.image } }));
  } finally {
    if (token === app.token) inputs.busy(false);
  }
}

async function start() {
  const models = await api.models();
  app.models = models;
  picker.setModels(models);
  let state = decodeState(location.search);
  if (!models.some((m) => m.id === state.model)) state.model = models[0].id;
  state = await switchSamples(state);
  history.replaceState(null, "", encodeState(state) || location.pathname);
  window.addEventListener("popstate", () => apply(decodeState(location.search)));
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || details.escape(app.state)) return;
    if (app.state.layer) navigate({ layer: "" });
  });
  await apply(state);
  if (!state.image) document.body.dataset.drawn = "none";
}

start().catch((error) => inputs.showError(`ConvScope could not start: ${error.message}`));
