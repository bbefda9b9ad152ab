// The runs folder as a table: each run's status and settings, a button to follow it,
// and a box to tick it for the chart that overlays several runs.
import { el } from "./dom.js";

/**
 * runs: the server's /api/train/runs. current: the run shown above. compared: Set of ticked names.
 * handlers: {onFollow(name), onCompare(name, ticked)}.
 */
export function renderRuns(root, runs, current, handlers, compared = new Set()) {
  root.replaceChildren(el("h2", "", {}, "Runs"));
  if (!runs.length) {
    root.append(el("p", "hint", {}, "No runs yet in this server's runs folder."));
    return;
  }
  const table = el("table", "", { id: "runs-table" });
  const head = el("tr");
  for (const h of ["compare", "run", "status", "architecture", "data", "epochs", ""]) head.append(el("th", "", { scope: "col" }, h));
  table.append(head);
  for (const run of runs) {
    const tr = el("tr", "", { "data-run": run.name, "aria-current": String(run.name === current) });
    const follow = el("button", "", { type: "button" }, run.name === current ? "shown" : "show");
    follow.disabled = run.name === current;
    follow.addEventListener("click", () => handlers.onFollow(run.name));
    const tick = el("input", "", { type: "checkbox", "data-compare": run.name, "aria-label": `compare ${run.name} on one chart` });
    tick.checked = compared.has(run.name);
    tick.addEventListener("change", () => handlers.onCompare(run.name, tick.checked));
    const box = el("td");
    box.append(tick);
    tr.append(box);
    const cells = [run.name, run.status, run.config.arch, run.config.data, String(run.config.epochs)];
    for (const text of cells) tr.append(el("td", "", {}, text));
    const last = el("td");
    last.append(follow);
    tr.append(last);
    table.append(tr);
  }
  root.append(table);
}
