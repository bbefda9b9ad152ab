// The class column: one probability bar per class shown, the predicted class set apart;
// with many classes, one page of them and the search box and pager under it.
import { formatPercent, formatValue } from "../core/format.js";
import { whyHref } from "../core/why.js";
import { el, place } from "./dom.js";
import { createClassControls } from "./topclasses.js";

const ROW = 26; // the layout's class row pitch, for the controls when no class matches
const WHY = 11; // the "Why this class?" link beside each row, inside the overview's right margin

/**
 * Build the rows inside `stage` at the positions of the layout's class column (box.channel is the class index).
 * options: {list: classPage(...) with focus, onClasses(view)}: with list.paged, the search box and pager too.
 */
export function createClasses(stage, column, names, options = {}) {
  const rows = column.maps.map((box) => {
    const i = box.channel;
    const row = place(el("div", "class-row"), box);
    row.dataset.channel = String(i);
    const label = el("span", "class-label", {}, names[i]);
    const track = el("span", "class-track");
    const bar = el("span", "class-bar");
    const value = el("span", "class-value");
    track.append(bar);
    row.append(label, track, value);
    // A sibling, not a child: the row is itself a button (it opens the class's detail view).
    const why = place(el("a", "class-why", { title: "Why this class? Its attribution map", "aria-label": `Why ${names[i]}? Its attribution map` }, "?"), { x: box.x + box.w + 1, y: box.y, w: WHY, h: box.h });
    why.dataset.channel = String(i);
    stage.append(row, why);
    return { row, bar, value, why, i };
  });
  const list = options.list;
  if (list && list.paged) {
    const pitch = column.maps.length ? column.maps[0].h + 4 : ROW;
    createClassControls(stage, list, { x: column.x, y: column.y + list.k * pitch, w: column.width, rowHeight: pitch }, options.onClasses);
  }
  return {
    rows,
    /** info: the trace info (probabilities, logits, prediction). */
    update(info) {
      rows.forEach(({ row, bar, value, why, i }) => {
        why.href = whyHref(info.model, info.image, i);
        const p = info.probabilities[i];
        bar.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
        value.textContent = formatPercent(p);
        row.classList.toggle("predicted", i === info.prediction.index);
        row.title = `${names[i]}: probability ${formatPercent(p)}, logit ${formatValue(info.logits[i])}`;
      });
    },
  };
}

/** The headline: predicted class, its probability, and the true label when known. */
export function renderPrediction(node, info, trueLabel) {
  node.replaceChildren();
  const main = el("span", "prediction-main");
  main.append(el("span", "", {}, "Prediction: "), el("strong", "prediction-label", {}, info.prediction.label), el("span", "", {}, ` ${formatPercent(info.prediction.probability)}`));
  node.append(main);
  if (trueLabel) {
    const ok = trueLabel === info.prediction.label;
    node.append(el("span", `prediction-truth ${ok ? "right" : "wrong"}`, {}, ` · true label: ${trueLabel} ${ok ? "✓" : "✗"}`));
  }
  node.append(el("span", "", {}, " · "), el("a", "prediction-why", { href: whyHref(info.model, info.image, info.prediction.index), "data-channel": String(info.prediction.index) }, "Why this class?"));
}
