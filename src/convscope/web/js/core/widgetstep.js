// The rows the notebook widget shows for one explained value: what the step is made
// of, as the payload says (the kernel computed it; nothing is recomputed here).
import { formatValue } from "./format.js";

const where = (p) => (p.index !== undefined && p.index !== null ? `[${p.index}]` : `[c=${p.channel}, y=${p.y}, x=${p.x}]`);

/** [[label, text], …] for a step payload ({} for none, {error} for a value without explanation). */
export function stepRows(step) {
  if (!step || !Object.keys(step).length) return [["selected", "click a map to explain one value"]];
  if (step.error) return [["no explanation", step.error]];
  const rows = [[`${step.layer} ${where(step.position)}`, formatValue(step.output)]];
  if (step.step === "conv") {
    for (const term of step.terms) rows.push([`input channel ${term.input_channel}: Σ window × kernel`, formatValue(term.sum)]);
    rows.push(["bias", step.bias === null ? "none" : formatValue(step.bias)]);
  } else if (step.step === "linear") {
    rows.push(["products summed", String(step.products.length)]);
    rows.push(["bias", step.bias === null ? "none" : formatValue(step.bias)]);
  } else if (step.worked) {
    rows.push(["worked", step.worked]);
  } else if (step.formula) {
    rows.push(["formula", step.formula]);
  }
  rows.push(["total", formatValue(step.computed)]);
  return rows;
}
