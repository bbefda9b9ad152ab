// Colour legends: a gradient bar with its domain for every scale in use.
import { gradientCss } from "../core/colour.js";
import { formatValue } from "../core/format.js";
import { el } from "./dom.js";

function ticks(legend) {
  if (legend.lo === null) {
    if (legend.scheme === "diverging") return ["−max |value|", "0", "+max |value|"];
    return ["gray", "red", "green", "blue"].includes(legend.scheme) ? ["min", "max"] : ["0", "max"];
  }
  if (legend.scheme === "diverging") return [formatValue(legend.lo), "0", formatValue(legend.hi)];
  return [formatValue(legend.lo), formatValue(legend.hi)];
}

/** Replace the contents of `node` with one legend per entry of `legends` (from core/scales legendsFor). */
export function renderLegends(node, legends, mode) {
  node.replaceChildren();
  node.dataset.mode = mode;
  for (const legend of legends) {
    const item = el("figure", "legend");
    item.dataset.scheme = legend.scheme;
    const bar = el("div", "legend-bar", { role: "img", "aria-label": `${legend.label}: ${legend.scheme} colour scale` });
    bar.style.background = gradientCss(legend.scheme);
    const labels = el("div", "legend-ticks");
    for (const t of ticks(legend)) labels.append(el("span", "", {}, t));
    const caption = el("figcaption", "", {}, legend.label);
    caption.title = legend.layers.join(", ");
    item.append(caption, bar, labels);
    node.append(item);
  }
}
