// Feature visualisation's views: the objective rising step by step, and the image (with snapshots on the way).
// Each takes its container and the job as the server sent it; none fetches.
import { fmt } from "../core/insight.js";
import { curveGeometry, imageBytes } from "../core/visualize.js";
import { el } from "./dom.js";
import { enlarge } from "./insight.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 320;
const HEIGHT = 160;

function svg(tag, attrs = {}, text = "") {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text) node.textContent = text;
  return node;
}

/** The objective at every step so far, on the run's full step range, with its first and last values. */
export function renderCurve(container, job) {
  container.replaceChildren();
  const { points, low, high } = curveGeometry(job.curve, job.steps, WIDTH, HEIGHT);
  const chart = svg("svg", { class: "vis-curve", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, role: "img",
    "aria-label": `objective over ${job.steps} steps, ${fmt(low)} to ${fmt(high)}` });
  chart.append(svg("rect", { x: 0, y: 0, width: WIDTH, height: HEIGHT, class: "vis-frame" }));
  if (points.length) {
    chart.append(svg("polyline", { points: points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "), class: "vis-line" }));
    const [x, y] = points[points.length - 1];
    chart.append(svg("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 3, class: "vis-dot" }));
  }
  chart.append(svg("text", { x: 6, y: 14, class: "vis-tick" }, fmt(high)), svg("text", { x: 6, y: HEIGHT - 6, class: "vis-tick" }, fmt(low)));
  const last = job.curve.length ? job.curve[job.curve.length - 1] : null;
  const facts = el("p", "vis-facts");
  const shown = el("span", "", { "data-key": "vis-last" }, fmt(last));
  facts.append(el("span", "", {}, `Objective at step ${job.step} of ${job.steps}: `), shown,
    el("span", "", {}, ` · first ${fmt(job.curve[0])} · seed ${job.seed} · ${job.parametrisation}`));
  container.append(chart, facts);
}

function picture(pixels, size, className) {
  const { bytes, rows, cols } = imageBytes(pixels);
  const canvas = el("canvas", `insight-grid ${className}`, { width: cols, height: rows });
  canvas.getContext("2d").putImageData(new ImageData(bytes, cols, rows), 0, 0);
  return enlarge(canvas, size);
}

/** The final image once the job is done (until then the latest snapshot), and the snapshots taken on the way. */
export function renderImages(container, job) {
  container.replaceChildren();
  const latest = job.snapshots.length ? job.snapshots[job.snapshots.length - 1] : null;
  if (job.pixels || latest) {
    const figure = el("figure", "vis-final");
    const caption = job.pixels ? `after ${job.steps} steps · objective ${fmt(job.final)} on this image` : `at step ${latest.step} of ${job.steps}`;
    figure.append(picture(job.pixels ?? latest.pixels, 196, job.pixels ? "vis-image" : "vis-current"), el("figcaption", "", {}, caption));
    container.append(figure);
  }
  if (!job.snapshots.length) return;
  const strip = el("ol", "vis-snapshots", { "aria-label": "The image on the way" });
  for (const shot of job.snapshots) {
    const item = el("li", "", { "data-step": String(shot.step) });
    item.append(picture(shot.pixels, 56, "vis-snapshot"), el("span", "", {}, `step ${shot.step}`));
    strip.append(item);
  }
  container.append(strip);
}
