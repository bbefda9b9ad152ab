// The architectures page's wiring: which models from the URL, their facts from the server,
// the table, the cards and the overlay of two picked models.
import { check } from "./api.js";
import { archSearch, archState } from "./core/architectures.js";
import { renderCards, renderOverlay, renderTable } from "./views/architectures.js";

const $ = (id) => document.getElementById(id);
const page = { state: archState(location.search), models: [] };

function overlay() {
  const [a, b] = [$("overlay-a").value, $("overlay-b").value];
  const fa = page.models.find((m) => m.model === a);
  const fb = page.models.find((m) => m.model === b);
  if (fa && fb) renderOverlay($("overlay"), fa, fb);
  page.state.overlay = [a, b];
  const search = archSearch(page.state);
  if (search !== location.search) history.replaceState(null, "", search || location.pathname);
}

function pickers() {
  const names = page.models.map((m) => m.model);
  const [a, b] = page.state.overlay ?? [names[0], names[Math.min(1, names.length - 1)]];
  for (const [id, chosen] of [["overlay-a", a], ["overlay-b", b]]) {
    const select = $(id);
    select.replaceChildren(...names.map((n) => Object.assign(document.createElement("option"), { value: n, textContent: n, selected: n === chosen })));
    select.addEventListener("change", overlay);
  }
}

async function start() {
  const query = `?models=${encodeURIComponent(page.state.models ? page.state.models.join(",") : "zoo")}`;
  $("status").textContent = "Building each architecture once to count its layers…";
  const data = await (await check(await fetch(`api/architectures${query}`))).json();
  page.models = data.models;
  $("status").textContent = "";
  renderTable($("table"), page.models);
  pickers();
  overlay();
  renderCards($("cards"), page.models);
  document.body.dataset.ready = page.models.map((m) => m.model).join(",");
}

start().catch((error) => {
  $("status").textContent = `The comparison could not load: ${error.message}`;
  document.body.dataset.ready = "error";
});
