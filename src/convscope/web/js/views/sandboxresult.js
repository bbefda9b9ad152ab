// The sandbox's result: the output as a grid of numbers (full precision, as the server
// sent them), the input grid for sliding and value-by-value operations, every worked
// step (hover or focus one to see its window on the input), then the sentences.
import { cellsOfStep, countRows, fullText, inputRows, outputCellOfStep, outputRows, paddedCells, splitSteps } from "../core/sandbox.js";
import { el } from "./dom.js";

/** A table of numbers; cells carry data-cell="row,col" for highlighting (padding cells: class pad). */
function grid(rows, className, label, padding = 0) {
  const table = el("table", `sandbox-grid ${className}`, { "aria-label": label });
  const body = el("tbody");
  for (const line of paddedCells(rows, padding)) {
    const tr = el("tr");
    for (const cell of line) tr.append(el("td", cell.pad ? "pad" : "", { "data-cell": cell.key, "data-value": fullText(cell.value) }, fullText(cell.value)));
    body.append(tr);
  }
  table.append(body);
  return table;
}

function figure(title, shape, table) {
  const fig = el("figure", "sandbox-figure");
  fig.append(el("figcaption", "", {}, `${title}${shape ? ` (${shape})` : ""}`), table);
  return fig;
}

const shapeOf = (rows) => `${rows.length}×${rows[0].length}`;

function countsTable(result) {
  const table = el("table", "sandbox-counts", { "aria-label": "Counts" });
  for (const [label, value, formula] of countRows(result)) {
    const tr = el("tr");
    tr.append(el("th", "", { scope: "row" }, label), el("td", "count-value", { "data-value": String(value) }, value.toLocaleString("en-US")), el("td", "count-formula", {}, formula ?? ""));
    table.append(tr);
  }
  return table;
}

/** Draw `result` (Calculation.to_dict()) into `root`. */
export function renderResult(root, result) {
  const figures = el("div", "sandbox-figures");
  const inRows = inputRows(result);
  const padding = result.settings.padding ?? 0;
  const inGrid = inRows ? grid(inRows, "input-grid", "Input", padding) : null;
  if (inGrid) figures.append(figure(padding ? `Input, padding ${padding} drawn grey` : "Input", shapeOf(inRows), inGrid));
  const kernel = result.settings.kernel;
  if (kernel) {
    const caption = `Kernel${kernel.name ? ` ${kernel.name}` : ""}${kernel.divisor === 1 ? "" : `, ÷ ${kernel.divisor}`}`;
    figures.append(figure(caption, kernel.size.join("×"), grid(kernel.weights, "kernel-grid", "Kernel")));
  }
  const outRows = outputRows(result);
  const outGrid = outRows.length ? grid(outRows, "output-grid", "Output") : null;
  if (outGrid) figures.append(figure("Output", result.shape.join("×"), outGrid));
  else figures.append(figure("Output", "", countsTable(result)));
  if (result.orders) {
    for (const [order, vector] of Object.entries(result.orders)) {
      if (order !== result.settings.order) figures.append(figure(`In ${order.toUpperCase()} order`, String(vector.length), grid([vector], "other-order", `Vector in ${order} order`)));
    }
  }
  const { notes, worked } = splitSteps(result.steps);
  const sections = [figures];
  if (worked.length) {
    const list = el("ol", "sandbox-steps", { "aria-label": "Every step" });
    worked.forEach((step) => {
      const item = el("li", "sandbox-step", { tabindex: "0" }, step.text);
      const on = () => highlight(inGrid, outGrid, step, result.settings.order);
      const off = () => highlight(inGrid, outGrid, null);
      item.addEventListener("mouseenter", on);
      item.addEventListener("focus", on);
      item.addEventListener("mouseleave", off);
      item.addEventListener("blur", off);
      list.append(item);
    });
    const box = el("div", "sandbox-worked");
    box.append(el("h3", "", {}, `Every step (${worked.length})`), list);
    sections.push(box);
  }
  const why = el("ul", "sandbox-notes");
  for (const n of notes) why.append(el("li", "", {}, n.text));
  const whyBox = el("div", "sandbox-why");
  whyBox.append(el("h3", "", {}, "How it was computed"), why);
  sections.push(whyBox);
  root.replaceChildren(...sections);
}

/** Mark the input cells a step reads (and a pool window's winner) and the output cell it gives. */
function highlight(inGrid, outGrid, step, order = null) {
  for (const table of [inGrid, outGrid]) {
    if (table) table.querySelectorAll("td.on, td.winner").forEach((td) => td.classList.remove("on", "winner"));
  }
  if (!step) return;
  if (inGrid) {
    const keys = cellsOfStep(step);
    inGrid.querySelectorAll("td").forEach((td) => td.classList.toggle("on", keys.has(td.dataset.cell)));
    if (Array.isArray(step.winner)) {
      const td = inGrid.querySelector(`td[data-cell="${step.winner.join(",")}"]`);
      if (td) td.classList.add("winner");
    }
  }
  const out = outputCellOfStep(step, order);
  if (outGrid && out) {
    const td = outGrid.querySelector(`td[data-cell="${out}"]`);
    if (td) td.classList.add("on");
  }
}
