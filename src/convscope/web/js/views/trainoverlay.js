// Several runs' per-epoch curves on one chart, each in its own colour with its name in
// the legend: how the lessons are compared (overfitting against dropout and augmentation).
// Every point is a record of that run folder's metrics.json, as the server sent it.
import { d3, el } from "./dom.js";

const WIDTH = 420;
const HEIGHT = 220;
const MARGIN = { top: 10, right: 12, bottom: 28, left: 48 };
const CHARTS = [
  ["accuracy", "Accuracy per epoch", ".0%"],
  ["loss", "Loss per epoch", null],
];

/** series: [{name, status, epochs: [EpochMetrics]}] in the order ticked. */
export function renderOverlay(root, series) {
  root.replaceChildren();
  if (!series.length) return;
  root.append(el("h2", "", {}, "Runs compared"));
  const colour = d3.scaleOrdinal(d3.schemeTableau10).domain(series.map((s) => s.name));
  const legend = el("ul", "overlay-legend", { id: "overlay-legend" });
  for (const s of series) {
    const item = el("li", "", { "data-run": s.name });
    const swatch = el("span", "overlay-swatch");
    swatch.style.background = colour(s.name); // CSSOM, which the page's CSP allows
    item.append(swatch, `${s.name} (${s.status}, ${s.epochs.length} epoch${s.epochs.length === 1 ? "" : "s"})`);
    legend.append(item);
  }
  legend.append(el("li", "overlay-key", {}, "solid: validation · dashed: training"));
  root.append(legend);
  const charts = el("div", "live-charts");
  for (const [key, title, format] of CHARTS) charts.append(chart(series, key, title, format, colour));
  root.append(charts);
}

function chart(series, key, title, format, colour) {
  const figure = el("figure", "chart", { "data-overlay": key });
  figure.append(el("figcaption", "chart-title", {}, title));
  const values = series.flatMap((s) => s.epochs.flatMap((e) => [e[`train_${key}`], e[`val_${key}`]])).filter(Number.isFinite);
  const last = Math.max(1, ...series.flatMap((s) => s.epochs.map((e) => e.epoch)));
  const x = d3.scaleLinear().domain([1, Math.max(2, last)]).range([MARGIN.left, WIDTH - MARGIN.right]);
  const domain = key === "accuracy" ? [Math.min(...values, 1), 1] : [0, Math.max(...values, 1e-6)];
  const y = d3.scaleLinear().domain(domain).nice().range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const svg = d3.select(figure).append("svg").attr("width", WIDTH).attr("height", HEIGHT).attr("role", "img").attr("aria-label", `${title} of the runs ticked`);
  svg.append("g").attr("transform", `translate(0,${HEIGHT - MARGIN.bottom})`).call(d3.axisBottom(x).ticks(Math.min(last, 8), "d"));
  svg.append("g").attr("transform", `translate(${MARGIN.left},0)`).call(d3.axisLeft(y).ticks(5, format));
  for (const s of series) {
    for (const which of ["train", "val"]) {
      const field = `${which}_${key}`;
      const points = s.epochs.filter((e) => Number.isFinite(e[field]));
      const line = d3.line().x((e) => x(e.epoch)).y((e) => y(e[field]));
      svg.append("path").attr("class", "overlay-line").attr("stroke", colour(s.name)).attr("stroke-dasharray", which === "train" ? "4 3" : null).attr("d", line(points));
      svg.selectAll(null).data(points).join("circle").attr("class", `overlay-dot ${which}`).attr("r", which === "val" ? 3.5 : 2.5)
        .attr("fill", colour(s.name)).attr("cx", (e) => x(e.epoch)).attr("cy", (e) => y(e[field]))
        .attr("data-run", s.name).attr("data-epoch", (e) => e.epoch).attr("data-field", field).attr("data-value", (e) => e[field])
        .append("title").text((e) => `${s.name} epoch ${e.epoch} ${which === "val" ? "validation" : "training"} ${key}: ${e[field]}`);
    }
  }
  return figure;
}
