// The sandbox page's wiring: the catalog from the server, the calculator in the URL
// (?op=…, the back button works), each Compute sent to the server and its answer drawn.
import { operationFromSearch, requestBody, searchForOperation } from "./core/sandbox.js";
import { createSandbox } from "./views/sandbox.js";
import { renderResult } from "./views/sandboxresult.js";

const root = document.getElementById("sandbox");
const page = { catalog: null, view: null, op: null, token: 0 };

function showOperation(id, push) {
  if (push && id !== page.op) history.pushState(null, "", searchForOperation(id, page.catalog.operations) || location.pathname);
  page.op = id;
  page.view.show(id);
  document.body.dataset.ready = "";
  page.view.submit(); // the defaults' result, so the page never opens empty
}

async function compute(id, values) {
  const op = page.catalog.operations.find((o) => o.id === id);
  const token = ++page.token;
  page.view.clearErrors();
  page.view.busy(true);
  try {
    const response = await fetch(`api/calc/${encodeURIComponent(id)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(requestBody(op, values)),
    });
    const body = await response.json().catch(() => ({ detail: `${response.status} ${response.statusText}` }));
    if (token !== page.token || id !== page.op) return;
    if (response.ok) renderResult(page.view.resultRoot, body);
    else {
      // The last result no longer matches the form: take it away rather than show stale numbers.
      page.view.resultRoot.replaceChildren();
      page.view.showError(typeof body.detail === "string" ? body.detail : `${response.status} ${response.statusText}`, body.field ?? null);
    }
  } catch (error) {
    if (token === page.token) page.view.showError(`The server did not answer: ${error.message}`, null);
  } finally {
    if (token === page.token) {
      page.view.busy(false);
      document.body.dataset.ready = String(page.token); // tests wait for the answer to this compute
    }
  }
}

async function start() {
  const response = await fetch("api/calc");
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  page.catalog = await response.json();
  page.view = createSandbox(root, page.catalog, {
    onOperation: (id) => showOperation(id, true),
    onCompute: compute,
  });
  showOperation(operationFromSearch(location.search, page.catalog.operations), false);
  window.addEventListener("popstate", () => showOperation(operationFromSearch(location.search, page.catalog.operations), false));
}

start().catch((error) => {
  root.textContent = `The sandbox could not start: ${error.message}`;
});
