// The run as it trains: status and numbers, loss / accuracy curves with the
// learning-rate schedule under them, the first layer's filters, one image's class
// probabilities and activation maps, and at the end the test accuracy and confusion matrix.
// Takes the folded run state (core/trainlog.js) and draws it; computes nothing.
import { accuracyGap, argmax, formatDuration, latestStep } from "../core/trainlog.js";
import { gradientCss, paint } from "../core/colour.js";
import { d3, el } from "./dom.js";
import { mapsFigure } from "./trainmaps.js";

const STATUS_WORDS = {
  waiting: "waiting for the first step",
  running: "training",
  paused: "paused",
  finished: "finished",
  failed: "failed",
  stopped: "stopped",
};

const pct = (v) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)} %`);
const num = (v, digits = 4) => (v === null || v === undefined ? "—" : Number(v).toFixed(digits));

/**
 * handlers: {onPause(), onUnpause(), onStop(), onResume(), onOpen(), onCell(true, predicted)}.
 * Returns {show(name, run, info, cell)}; cell: the server's misclassified answer for the chosen cell, or null.
 */
export function createTrainLive(root, handlers) {
  root.replaceChildren(el("p", "hint", {}, "Start a run, or pick one from the list below, to watch it here."));
  const buttons = {
    pause: el("button", "", { type: "button", id: "train-pause" }, "Pause"),
    unpause: el("button", "", { type: "button", id: "train-unpause" }, "Resume"),
    stop: el("button", "", { type: "button", id: "train-stop" }, "Stop"),
    resume: el("button", "", { type: "button", id: "train-continue", title: "continue from the last finished epoch (convscope train --resume)" }, "Continue"),
    open: el("button", "primary", { type: "button", id: "train-open" }, "Open in the explainer"),
  };
  buttons.pause.addEventListener("click", () => handlers.onPause());
  buttons.unpause.addEventListener("click", () => handlers.onUnpause());
  buttons.stop.addEventListener("click", () => handlers.onStop());
  buttons.resume.addEventListener("click", () => handlers.onResume());
  buttons.open.addEventListener("click", () => handlers.onOpen());

  function show(name, run, info, cell = null) {
    const focused = document.activeElement && root.contains(document.activeElement) ? document.activeElement.id : null;
    root.replaceChildren();
    const head = el("div", "live-head");
    head.append(el("h2", "", {}, name));
    const status = el("span", "live-status", { "data-status": run.status, id: "live-status" }, STATUS_WORDS[run.status] ?? run.status);
    head.append(status);
    const bar = el("div", "train-buttons");
    if (run.status === "running") bar.append(buttons.pause, buttons.stop);
    if (run.status === "paused") bar.append(buttons.unpause, buttons.stop);
    if (info && info.resumable && !["running", "paused"].includes(run.status)) bar.append(buttons.resume);
    if (run.status === "finished") bar.append(buttons.open);
    head.append(bar);
    root.append(head);
    if (run.message) root.append(el("p", "live-message", { role: "alert", id: "live-message" }, run.message));
    root.append(numbers(run));
    if (run.plan) root.append(charts(run));
    const pictures = el("div", "live-pictures");
    if (run.filters) pictures.append(filters(run.filters));
    if (run.probe && run.plan) pictures.append(probe(run.probe, run.plan.classes));
    if (run.maps && run.plan) pictures.append(mapsFigure(run.maps, run.plan.classes));
    if (run.test) pictures.append(confusion(run.test, run.status === "finished" ? handlers.onCell : null, cell));
    root.append(pictures);
    if (cell) root.append(cellImages(cell));
    if (focused) document.getElementById(focused)?.focus();
  }
  return { show };
}

function numbers(run) {
  const box = el("div", "live-numbers", { id: "live-numbers" });
  const add = (label, value, key) => {
    const item = el("span", "", { "data-key": key });
    item.append(`${label} `, el("b", "", {}, value));
    box.append(item);
  };
  const step = latestStep(run);
  const plan = run.plan;
  if (step && plan) {
    add("step", `${step.step} / ${plan.total_steps}`, "step");
    add("epoch", `${step.epoch.toFixed(2)} / ${plan.total_steps / plan.steps_per_epoch}`, "epoch");
    add("loss (smoothed)", num(step.loss_smooth), "loss_smooth");
    add("accuracy (smoothed)", pct(step.accuracy_smooth), "accuracy_smooth");
    add("learning rate", Number(step.lr).toPrecision(3), "lr");
    add("images per second", Math.round(step.images_per_second).toLocaleString("en"), "images_per_second");
    if (run.status === "running") add("time left (training steps)", formatDuration(step.seconds_left), "seconds_left");
  }
  const last = run.epochs[run.epochs.length - 1];
  if (last) {
    add("last epoch: validation loss", num(last.val_loss), "val_loss");
    add("validation accuracy", pct(last.val_accuracy), "val_accuracy");
  }
  if (run.test) add("test accuracy", pct(run.test.accuracy), "test_accuracy");
  return box;
}

const WIDTH = 330;
const HEIGHT = 170;
const MARGIN = { top: 8, right: 10, bottom: 24, left: 44 };

function axes(svg, x, y, yFormat) {
  svg.append("g").attr("transform", `translate(0,${HEIGHT - MARGIN.bottom})`).call(d3.axisBottom(x).ticks(5));
  svg.append("g").attr("transform", `translate(${MARGIN.left},0)`).call(d3.axisLeft(y).ticks(5, yFormat));
}

/** Loss and accuracy against the step: the smoothed per-step training curve, and per-epoch train and validation points. */
function charts(run) {
  const box = el("div", "live-charts");
  const total = run.plan.total_steps;
  const spe = run.plan.steps_per_epoch;
  const x = d3.scaleLinear().domain([0, total]).range([MARGIN.left, WIDTH - MARGIN.right]);
  for (const [key, title, format] of [["loss", "Loss", null], ["accuracy", "Accuracy", ".0%"]]) {
    const values = [...run.steps.map((s) => s[`${key}_smooth`]), ...run.epochs.flatMap((e) => [e[`train_${key}`], e[`val_${key}`]])].filter((v) => v !== null && v !== undefined);
    const lo = key === "accuracy" ? 0 : Math.min(0, ...values);
    const hi = key === "accuracy" ? 1 : Math.max(...values, 1e-6);
    const y = d3.scaleLinear().domain([lo, hi]).nice().range([HEIGHT - MARGIN.bottom, MARGIN.top]);
    const figure = el("figure", "chart", { "data-chart": key });
    figure.append(el("figcaption", "chart-title", {}, `${title}: training steps (smoothed line), epochs (dots: training blue, validation red)`));
    const svg = d3.select(figure).append("svg").attr("width", WIDTH).attr("height", HEIGHT).attr("role", "img").attr("aria-label", `${title} curves`);
    axes(svg, x, y, format);
    if (key === "accuracy") {
      const gap = accuracyGap(run);
      if (gap.length > 1) {
        const area = d3.area().x((g) => x(g.epoch * spe)).y0((g) => y(g.val)).y1((g) => y(g.train));
        svg.append("path").attr("class", "gap-area").attr("d", area(gap)).append("title").text("the gap between training and validation accuracy");
      }
    }
    const line = d3.line().defined((s) => s[`${key}_smooth`] !== null).x((s) => x(s.step)).y((s) => y(s[`${key}_smooth`]));
    svg.append("path").attr("class", "train-line").attr("d", line(run.steps));
    for (const [which, cls, colour] of [["train", "train-line", "#2166ac"], ["val", "val-line", "#b2182b"]]) {
      const points = run.epochs.filter((e) => e[`${which}_${key}`] !== null && e[`${which}_${key}`] !== undefined);
      if (points.length > 1) {
        const epochLine = d3.line().x((e) => x(e.epoch * spe)).y((e) => y(e[`${which}_${key}`]));
        svg.append("path").attr("class", cls).attr("stroke-dasharray", which === "val" ? "4 2" : null).attr("d", epochLine(points));
      }
      svg.selectAll(`circle.${which}`).data(points).join("circle").attr("class", `epoch-dot ${which}`)
        .attr("cx", (e) => x(e.epoch * spe)).attr("cy", (e) => y(e[`${which}_${key}`])).attr("r", 3.5).attr("fill", colour)
        .append("title").text((e) => `epoch ${e.epoch} ${which === "val" ? "validation" : "training"} ${key}: ${e[`${which}_${key}`]}`);
    }
    box.append(figure);
  }
  // The learning-rate schedule, under the curves on the same step axis.
  const schedule = run.plan.schedule;
  const lrHi = Math.max(...schedule.map((p) => p[1]), 1e-12);
  const h = 90;
  const y = d3.scaleLinear().domain([0, lrHi]).range([h - MARGIN.bottom, MARGIN.top]);
  const figure = el("figure", "chart", { "data-chart": "lr" });
  figure.append(el("figcaption", "chart-title", {}, "Learning rate over the run (the dot: now)"));
  const svg = d3.select(figure).append("svg").attr("width", WIDTH).attr("height", h).attr("role", "img").attr("aria-label", "Learning-rate schedule");
  svg.append("g").attr("transform", `translate(0,${h - MARGIN.bottom})`).call(d3.axisBottom(x).ticks(5));
  svg.append("g").attr("transform", `translate(${MARGIN.left},0)`).call(d3.axisLeft(y).ticks(2, ".1e"));
  svg.append("path").attr("class", "lr-line").attr("d", d3.line().x((p) => x(p[0])).y((p) => y(p[1]))(schedule));
  const now = latestStep(run);
  if (now) svg.append("circle").attr("cx", x(now.step)).attr("cy", y(now.lr)).attr("r", 3.5).attr("fill", "#b2182b");
  box.append(figure);
  return box;
}

/** Each filter of the first convolution: one small square per output channel (its first input channel, or RGB as a colour composite). */
function filters(event) {
  const box = el("figure", "chart", { id: "live-filters", "data-step": String(event.step) });
  const [count, channels, kh, kw] = event.shape;
  const m = Math.max(Math.abs(event.min), Math.abs(event.max), 1e-12);
  box.append(el("figcaption", "chart-title", {}, `${event.layer}: ${count} filters of ${channels}×${kh}×${kw}, at step ${event.step} (range ${event.min.toFixed(3)} … ${event.max.toFixed(3)})`));
  const grid = el("div", "filters-grid");
  const per = channels * kh * kw;
  for (let f = 0; f < count; f += 1) {
    const canvas = el("canvas", "", { width: String(kw), height: String(kh), title: `filter ${f}` });
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(kw, kh);
    const first = Float32Array.from(event.values.slice(f * per, f * per + kh * kw));
    paint(first, { scheme: "diverging", lo: -m, hi: m }, image.data);
    ctx.putImageData(image, 0, 0);
    grid.append(canvas);
  }
  box.append(grid);
  const legend = el("div", "filters-legend");
  legend.style.background = gradientCss("diverging");
  box.append(legend, el("small", "", {}, `−${m.toFixed(3)} … 0 … +${m.toFixed(3)}${channels > 1 ? " (first input channel shown)" : ""}`));
  return box;
}

function probe(event, classes) {
  const box = el("figure", "chart", { id: "live-probe", "data-step": String(event.step) });
  const best = argmax(event.probabilities);
  box.append(el("figcaption", "chart-title", {}, `One validation image (a ${classes[event.label]}) through the model at step ${event.step}: it answers ${classes[best]}`));
  const grid = el("div", "probe-bars");
  event.probabilities.forEach((p, i) => {
    const bar = el("div", "bar");
    const fill = el("span");
    fill.style.width = `${(p * 100).toFixed(1)}%`; // CSSOM, which the page's CSP allows (style attributes it refuses)
    bar.append(fill);
    grid.append(el("span", i === event.label ? "truth" : "", {}, classes[i]), bar, el("span", "", { "data-probability": String(p) }, `${(p * 100).toFixed(1)} %`));
  });
  box.append(grid);
  return box;
}

function confusion(test, onCell, chosen) {
  const box = el("figure", "chart", { id: "live-confusion" });
  box.append(el("figcaption", "chart-title", {}, `Test: ${test.correct} of ${test.images} right (${pct(test.accuracy)}) on the ${test.set}. Rows: true class; columns: predicted.`));
  const table = el("table", "confusion");
  const head = el("tr");
  head.append(el("th", "", {}, ""));
  test.classes.forEach((c, j) => head.append(el("th", "", { scope: "col", title: c }, String(j))));
  table.append(head);
  test.confusion.forEach((row, i) => {
    const tr = el("tr");
    tr.append(el("th", "", { scope: "row" }, `${i} ${test.classes[i]}`));
    row.forEach((count, j) => {
      const words = `${count} ${test.classes[i]} predicted as ${test.classes[j]}`;
      const td = el("td", i === j ? "diagonal" : "", { title: words });
      if (onCell && count > 0) {
        const button = el("button", "cell-button", { type: "button", "data-cell": `${i},${j}`, "aria-label": `show the ${words}` }, String(count));
        if (chosen && chosen.true === i && chosen.predicted === j) button.setAttribute("aria-pressed", "true");
        button.addEventListener("click", () => onCell(i, j));
        td.append(button);
      } else td.textContent = String(count);
      tr.append(td);
    });
    table.append(tr);
  });
  box.append(table);
  return box;
}

/** The test images of the chosen confusion-matrix cell, as the server judged them. */
function cellImages(cell) {
  const box = el("figure", "chart", { id: "live-cell" });
  const shown = cell.images.length < cell.count ? `the first ${cell.images.length} of ${cell.count}` : `all ${cell.count}`;
  const what = cell.true === cell.predicted ? `${cell.true_class} images the model got right` : `${cell.true_class} images the model called ${cell.predicted_class}`;
  box.append(el("figcaption", "chart-title", {}, `${what}: ${shown} (test-set index under each)`));
  const grid = el("div", "cell-images");
  for (const image of cell.images) {
    const item = el("figure", "cell-image");
    item.append(el("img", "", { src: image.png, alt: `test image ${image.index}` }), el("figcaption", "", {}, String(image.index)));
    grid.append(item);
  }
  box.append(grid);
  return box;
}
