// Connections between maps, drawn as curves in one SVG under the maps:
// every connection faintly (when there are not too many), the hovered map's
// incoming connections strongly.
import { d3 } from "./dom.js";

const MAX_FAINT = 3000;
const link = d3.linkHorizontal();

function curve(from, to) {
  return link({ source: [from.x + from.w, from.y + from.h / 2], target: [to.x, to.y + to.h / 2] });
}

/** A factory: edges(svgElement) -> {draw(layout, pairs), highlight(target, sources)}. */
export function createEdges(svg) {
  const root = d3.select(svg);
  const faint = root.append("g").attr("class", "edges-faint");
  const strong = root.append("g").attr("class", "edges-strong");
  return {
    /** pairs: [{from: mapBox, to: mapBox}] for every connection. */
    draw(pairs) {
      faint.selectAll("path").remove();
      if (pairs.length > MAX_FAINT) return;
      faint.selectAll("path").data(pairs).join("path").attr("d", (p) => curve(p.from, p.to));
    },
    highlight(pairs) {
      strong.selectAll("path").data(pairs).join("path").attr("d", (p) => curve(p.from, p.to));
    },
  };
}
