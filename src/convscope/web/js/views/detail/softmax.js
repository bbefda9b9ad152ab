// Softmax view: every class's logit z, exp(z), their sum and each probability, at
// the precision the server chose so the shown numbers re-add (step.shown); when
// exp(z) would overflow, the shift by the largest logit is shown as a step with its
// reason. Linked highlighting between the terms of the sum and the class rows.
// Many classes: one page of MAX_ROWS rows (views/detail/classpages.js), the chosen one kept in view.
import { formatPercent } from "../../core/format.js";
import { el } from "../dom.js";
import { classFinder } from "../topclasses.js";
import { pagedClasses } from "./classpages.js";

const MAX_ROWS = 20;

/** The rows of a page: its classes, and the chosen one after them when it is not among them (unless searching). */
function shownClasses(list, chosen) {
  if (!list.paged || list.channels.includes(chosen) || list.query.trim()) return list.channels;
  return [...list.channels, chosen];
}

/** A number as the server wrote it, its full value in the title. */
function shownNum(text, value, className = "num") {
  const node = el("span", className, { title: String(value) }, text);
  node.dataset.value = String(value);
  return node;
}

function headRow(basis) {
  const head = el("tr");
  for (const h of ["class", "logit z", basis, "probability"]) head.append(el("th", "", { scope: "col" }, h));
  return head;
}

function shiftStep(step) {
  const box = el("div", "softmax-shift");
  box.append(el("p", "dworked", {}, `Step 1 · shift: every logit minus m = ${step.shown.shift} (the largest)`), ...step.shown.notes.slice(0, 1).map((t) => el("p", "hint", {}, t)));
  return box;
}

/** The table's rows and the sum's terms of one page, linked: hovering either lights up both; a row picks its class. */
function linkedRows(step, labels, navigate) {
  const shown = step.shown;
  const rows = new Map();
  const terms = new Map();
  const highlight = (i, on) => {
    rows.get(i)?.classList.toggle("linked", on);
    terms.get(i)?.classList.toggle("linked", on);
  };
  const link = (node, i, events) => {
    for (const [name, on] of events) node.addEventListener(name, () => highlight(i, on));
  };

  function row(i) {
    const tr = el("tr", `softmax-row${i === step.position.index ? " chosen" : ""}`, { tabindex: "0" });
    tr.dataset.index = String(i);
    const bar = el("span", "prob-bar");
    bar.style.width = `${Math.max(0, Math.min(1, step.probabilities[i])) * 100}%`;
    const prob = el("td", "prob");
    const track = el("span", "prob-track", {}, "");
    track.append(bar);
    prob.append(shownNum(shown.probability_texts[i], step.probabilities[i], "num prob-value"), track, el("span", "prob-pct", {}, formatPercent(step.probabilities[i])));
    const cells = [shownNum(shown.logit_texts[i], step.logits[i], "num logit"), shownNum(shown.term_texts[i], shown.terms[i], "num exp-term")];
    tr.append(el("td", "", {}, labels[i]), ...cells.map((c) => { const td = el("td"); td.append(c); return td; }), prob);
    link(tr, i, [["mouseenter", true], ["mouseleave", false], ["focus", true], ["blur", false]]);
    tr.addEventListener("click", () => navigate({ channel: i }));
    tr.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        navigate({ channel: i });
      }
    });
    rows.set(i, tr);
    return tr;
  }

  function term(i) {
    const t = shownNum(shown.term_texts[i], shown.terms[i], "num sum-term");
    t.title = `${labels[i]}: ${shown.terms[i]}`;
    link(t, i, [["mouseenter", true], ["mouseleave", false]]);
    terms.set(i, t);
    return t;
  }

  /** Fill `table` and `sum` with the rows and terms of `classes` (the nodes of another page are dropped). */
  return (table, sum, classes) => {
    rows.clear();
    terms.clear();
    table.replaceChildren(headRow(shown.basis), ...classes.map(row));
    sum.replaceChildren(`Σ ${shown.basis} = `);
    classes.forEach((i, k) => sum.append(...(k ? [" + "] : []), term(i)));
    if (classes.length < step.logits.length) sum.append(` + … (${step.logits.length - classes.length} more)`);
    sum.append(" = ", shownNum(shown.sum_text, shown.sum, "num exp-sum"));
  };
}

export async function open(root, ctx) {
  const index = ctx.state.channel;
  const step = await ctx.api.probabilities(ctx.info, index === null ? null : index);
  const shown = step.shown;
  const chosen = step.position.index;
  const labels = step.labels ?? step.logits.map((_, i) => `class ${i}`);
  const many = step.logits.length > MAX_ROWS;
  if (many) root.append(classFinder(labels, (i) => ctx.navigate({ channel: i }), "softmax-classes"));
  root.append(el("p", "dformula", {}, shown.shift ? "p_i = exp(z_i − m) / Σ_j exp(z_j − m), m = the largest logit" : "p_i = exp(z_i) / Σ_j exp(z_j)"));
  if (shown.shift) root.append(shiftStep(step));
  const table = el("table", "softmax-table");
  const sum = el("p", "dworked softmax-sum");
  const fillPage = linkedRows(step, labels, ctx.navigate);
  const fill = (list) => fillPage(table, sum, shownClasses(list, chosen));
  const pages = pagedClasses(labels, ctx.info.ranking, { k: MAX_ROWS, key: `${ctx.info.model}/${ctx.info.image}`, view: "softmax" }, fill);
  const result = el("p", "dworked softmax-result");
  result.append(`p(${labels[chosen]}) = `, shownNum(shown.term_texts[chosen], shown.terms[chosen]), " / ", shownNum(shown.sum_text, shown.sum), " = ", shownNum(shown.probability_texts[chosen], step.output, "num step-output"), ` (${formatPercent(step.output)})`);
  const check = el("p", "hint softmax-check");
  const precision = `exp terms to ${shown.term_decimals} decimals, probabilities to ${shown.probability_decimals}`;
  check.append(shown.readds ? `Shown with ${precision}: the terms add to the sum, and each term ÷ the sum gives the probability shown.` : `Shown with ${precision}.`);
  const notes = shown.notes.slice(shown.shift ? 1 : 0).map((t) => el("p", "hint softmax-rounding", {}, t));
  const more = many ? [el("p", "hint", {}, `${MAX_ROWS} classes a page, most probable first; the sum runs over all ${step.logits.length}`)] : [];
  root.append(pages, table, sum, result, check, ...notes, ...more);
  root.dataset.position = String(chosen);
  return {};
}
