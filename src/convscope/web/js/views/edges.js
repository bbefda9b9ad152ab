// Connections between maps, drawn as curves in one SVG under the maps:
// every connection faintly (when there are not too many), the hovered map's
// incoming connections strongly; and in deep networks the routes between
// columns (a residual add's two inputs, a concat's branches) in a band above the maps.
import { d3 } from "./dom.js";

const MAX_FAINT = 3000;
const link = d3.linkHorizontal();

function curve(from, to) {
  return link({ source: [from.x + from.w, from.y + from.h / 2], target: [to.x, to.y + to.h / 2] });
}

/** A factory: edges(svgElement) -> {draw(pairs), highlight(pairs), routes(list), highlightRoutes(test)}. */
export function createEdges(svg) {
  const root = d3.select(svg);
  const paths = root.append("g").attr("class", "edges-routes");
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
    /** list: [{d, route, skip}] with route from core/blocks.js columnRoutes; skip: a shortcut, drawn dashed. */
    routes(list) {
      paths
        .selectAll("path")
        .data(list)
        .join("path")
        .attr("d", (r) => r.d)
        .attr("class", (r) => (r.skip ? "route skip" : "route"))
        .attr("data-from", (r) => r.route.from)
        .attr("data-to", (r) => r.route.to)
        .attr("data-via", (r) => r.route.via);
    },
    /** Mark the routes for which test(route) is true (none: clear). */
    highlightRoutes(test) {
      paths.selectAll("path").classed("active", (r) => Boolean(test && test(r.route)));
    },
  };
}
