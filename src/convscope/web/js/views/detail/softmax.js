// Softmax view: every class's logit, its exp term, their sum and the probability,
// with linked highlighting between the terms of the sum and the class rows.
import { detailApi } from "../../detailapi.js";
import { formatPercent } from "../../core/format.js";
import { el } from "../dom.js";
import { classFinder } from "../topclasses.js";
import { num } from "./common.js";

const MAX_ROWS = 20;

/** The classes shown: all of them in index order, or the MAX_ROWS most probable (the server's ranking) plus the chosen one. */
function shownClasses(step, ranking) {
  if (ranking.length <= MAX_ROWS) return ranking.toSorted((a, b) => a - b);
  const top = ranking.slice(0, MAX_ROWS);
  return top.includes(step.position.index) ? top : [...top, step.position.index];
}

export async function open(root, ctx) {
  const index = ctx.state.channel;
  const step = await detailApi.probabilities(ctx.info, index === null ? null : index);
  const chosen = step.position.index;
  const labels = step.labels ?? step.logits.map((_, i) => `class ${i}`);
  const shown = shownClasses(step, ctx.info.ranking);
  const rows = new Map();
  const terms = new Map();

  function highlight(i, on) {
    rows.get(i)?.classList.toggle("linked", on);
    terms.get(i)?.classList.toggle("linked", on);
  }

  if (shown.length < step.logits.length) root.append(classFinder(labels, (i) => ctx.navigate({ channel: i }), "softmax-classes"));
  root.append(el("p", "dformula", {}, `p_i = exp(z_i − m) / Σ_j exp(z_j − m), with m = the largest logit (subtracting it keeps every exp from overflowing and leaves p unchanged)`));
  const table = el("table", "softmax-table");
  const head = el("tr");
  for (const h of ["class", "logit z", "exp(z − m)", "probability"]) head.append(el("th", "", { scope: "col" }, h));
  table.append(head);
  for (const i of shown) {
    const tr = el("tr", `softmax-row${i === chosen ? " chosen" : ""}`, { tabindex: "0" });
    tr.dataset.index = String(i);
    const bar = el("span", "prob-bar");
    bar.style.width = `${Math.max(0, Math.min(1, step.probabilities[i])) * 100}%`;
    const prob = el("td", "prob");
    prob.append(num(step.probabilities[i], "num prob-value"), el("span", "prob-track", {}, ""), el("span", "prob-pct", {}, formatPercent(step.probabilities[i])));
    prob.querySelector(".prob-track").append(bar);
    const cells = [num(step.logits[i]), num(step.exp_terms[i], "num exp-term")];
    tr.append(el("td", "", {}, labels[i]), ...cells.map((c) => { const td = el("td"); td.append(c); return td; }), prob);
    tr.addEventListener("mouseenter", () => highlight(i, true));
    tr.addEventListener("mouseleave", () => highlight(i, false));
    tr.addEventListener("focus", () => highlight(i, true));
    tr.addEventListener("blur", () => highlight(i, false));
    tr.addEventListener("click", () => ctx.navigate({ channel: i }));
    tr.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        ctx.navigate({ channel: i });
      }
    });
    rows.set(i, tr);
    table.append(tr);
  }
  const sum = el("p", "dworked softmax-sum");
  sum.append("Σ exp terms = ");
  shown.forEach((i, k) => {
    if (k) sum.append(" + ");
    const t = num(step.exp_terms[i], "num sum-term");
    t.title = `${labels[i]}: ${step.exp_terms[i]}`;
    t.addEventListener("mouseenter", () => highlight(i, true));
    t.addEventListener("mouseleave", () => highlight(i, false));
    terms.set(i, t);
    sum.append(t);
  });
  if (shown.length < step.logits.length) sum.append(` + … (${step.logits.length - shown.length} more)`);
  sum.append(" = ", num(step.exp_sum, "num exp-sum"));
  const result = el("p", "dworked softmax-result");
  result.append(`p(${labels[chosen]}) = `, num(step.exp_terms[chosen]), " / ", num(step.exp_sum), " = ", num(step.output, "num step-output"), ` (${formatPercent(step.output)})`);
  const shift = el("p", "hint");
  shift.append("m = ", num(step.shift), shown.length < step.logits.length ? ` · ${shown.length} of ${step.logits.length} classes shown, most probable first` : "");
  root.append(table, sum, result, shift);
  root.dataset.position = String(chosen);
  return {};
}
