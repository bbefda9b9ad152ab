// The structure page's wiring: the model and shape order from the URL, the graph from the
// server, the diagram drawn with collapsed blocks, the blocks explained on request.
import { check } from "./api.js";
import { explainerHref, frames, repeatedBlocks, structureSearch, structureState, visibleGraph } from "./core/structure.js";
import { renderInception, renderResidual } from "./views/blockpanel.js";
import { drawStructure } from "./views/structure.js";

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;
const getJson = async (url) => (await check(await fetch(url))).json();
const page = { state: structureState(location.search), structure: null, models: [], widths: {} };

function setUrl(push) {
  const search = structureSearch(page.state);
  if (search !== location.search) history[push ? "pushState" : "replaceState"](null, "", search || location.pathname);
}

function draw() {
  const s = page.structure;
  const started = performance.now();
  const graph = visibleGraph(s, page.state.collapsed);
  const top = Math.max(0, ...s.nodes.map((n) => n.mults));
  drawStructure($("diagram"), graph, {
    order: page.state.order,
    top,
    totalParams: s.counts.params,
    frames: s.is_graph ? frames(s, graph) : [],
    onLayer: (name) => location.assign(explainerHref(page.state.model, name)),
    onExpand: (id) => toggle(id, false),
    onCollapse: (id) => toggle(id, true),
  });
  document.body.dataset.drawMs = String(performance.now() - started);
  document.body.dataset.drawn = `${page.state.model}/${page.state.order}/${[...page.state.collapsed].join(",")}`;
}

function toggle(id, collapse) {
  if (collapse) page.state.collapsed.add(id);
  else page.state.collapsed.delete(id);
  setUrl(true);
  draw();
}

function showFacts() {
  const { counts, is_graph: isGraph, no_graph_reason: reason } = page.structure;
  const words = [`${counts.nodes} layers`, `${counts.edges} edges`, `${counts.skip_edges} skip connections`, `${counts.blocks} blocks`, `${counts.params.toLocaleString("en-US")} parameters`, `${counts.mults.toLocaleString("en-US")} multiplications`];
  $("facts").textContent = words.join(" · ");
  $("no-graph").hidden = isGraph;
  $("no-graph").textContent = isGraph ? "" : `No graph for this model: ${reason}.`;
}

async function explainBlock(block) {
  const root = $("block-panel");
  root.hidden = false;
  root.textContent = `Computing ${block.id}…`;
  const model = enc(page.state.model);
  try {
    if (block.explain === "inception") {
      const widths = Object.entries(page.widths[block.id] ?? {}).map(([k, v]) => `${k}:${v}`).join(",");
      const data = await getJson(`api/models/${model}/blocks/${enc(block.id)}/inception${widths ? `?widths=${enc(widths)}` : ""}`);
      renderInception(root, data, page.state.order, (layer, filters) => {
        page.widths[block.id] = { ...(page.widths[block.id] ?? {}), [layer]: filters };
        explainBlock(block);
      });
    } else {
      const samples = await getJson(`api/models/${model}/samples`);
      if (!samples.length) {
        root.textContent = "This model came with no sample images: open it in the explainer and upload one to trace a residual block.";
        return;
      }
      await getJson(`api/models/${model}/traces/${enc(samples[0].id)}`);
      const data = await getJson(`api/models/${model}/traces/${enc(samples[0].id)}/blocks/${enc(block.id)}/residual`);
      renderResidual(root, data, page.state.order);
      root.prepend(Object.assign(document.createElement("p"), { className: "muted", textContent: `Traced on the sample image "${samples[0].label ?? samples[0].id}".` }));
    }
    document.body.dataset.explained = block.id;
  } catch (error) {
    root.textContent = error.message;
    document.body.dataset.explained = `error:${block.id}`;
  }
}

function showBlockButtons() {
  const list = $("block-list");
  list.replaceChildren();
  for (const block of page.structure.blocks.filter((b) => b.explain)) {
    const button = Object.assign(document.createElement("button"), { type: "button", textContent: block.id, className: "block-button" });
    button.dataset.block = block.id;
    button.addEventListener("click", () => explainBlock(block));
    list.append(button);
  }
  $("blocks").hidden = !list.children.length;
}

function showControls() {
  const select = $("model-select");
  select.replaceChildren(...page.models.map((m) => Object.assign(document.createElement("option"), { value: m.id, textContent: m.id, selected: m.id === page.state.model })));
  for (const input of document.querySelectorAll("input[name=order]")) input.checked = input.value === page.state.order;
  $("explorer-link").href = explainerHref(page.state.model, "").replace(/&layer=$/, "");
}

async function load() {
  const models = await getJson("api/models");
  page.models = models;
  if (!page.state.model) page.state.model = models[0].id; // an unknown name gets the server's 404 message
  page.structure = await getJson(`api/models/${enc(page.state.model)}/structure`);
  showControls();
  showFacts();
  showBlockButtons();
  $("block-panel").hidden = true;
  draw();
}

function wire() {
  $("model-select").addEventListener("change", (event) => {
    page.state = { model: event.target.value, order: page.state.order, collapsed: new Set() };
    setUrl(true);
    load().catch(fail);
  });
  for (const input of document.querySelectorAll("input[name=order]")) {
    input.addEventListener("change", () => {
      page.state.order = input.value;
      setUrl(false);
      draw();
    });
  }
  $("collapse-all").addEventListener("click", () => {
    page.state.collapsed = new Set(repeatedBlocks(page.structure));
    setUrl(true);
    draw();
  });
  $("expand-all").addEventListener("click", () => {
    page.state.collapsed = new Set();
    setUrl(true);
    draw();
  });
  window.addEventListener("popstate", () => {
    page.state = structureState(location.search);
    load().catch(fail);
  });
}

function fail(error) {
  $("diagram").textContent = `The structure view could not load: ${error.message}`;
  document.body.dataset.drawn = "error";
}

wire();
load().catch(fail);
