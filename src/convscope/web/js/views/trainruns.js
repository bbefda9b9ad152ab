// The runs folder as a table: each run's status and settings, and a button to follow it.
import { el } from "./dom.js";

/** runs: the server's /api/train/runs. handlers: {onFollow(name)}. current: the run shown above. */
export function renderRuns(root, runs, current, handlers) {
  root.replaceChildren(el("h2", "", {}, "Runs"));
  if (!runs.length) {
    root.append(el("p", "hint", {}, "No runs yet in this server's runs folder."));
    return;
  }
  const table = el("table", "", { id: "runs-table" });
  const head = el("tr");
  for (const h of ["run", "status", "architecture", "data", "epochs", ""]) head.append(el("th", "", { scope: "col" }, h));
  table.append(head);
  for (const run of runs) {
    const tr = el("tr", "", { "data-run": run.name, "aria-current": String(run.name === current) });
    const follow = el("button", "", { type: "button" }, run.name === current ? "shown" : "show");
    follow.disabled = run.name === current;
    follow.addEventListener("click", () => handlers.onFollow(run.name));
    const cells = [run.name, run.status, run.config.arch, run.config.data, String(run.config.epochs)];
    for (const text of cells) tr.append(el("td", "", {}, text));
    const last = el("td");
    last.append(follow);
    tr.append(last);
    table.append(tr);
  }
  root.append(table);
}
