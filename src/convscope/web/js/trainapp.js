// The Train page's wiring: the form's settings go to the server, which checks them as
// `convscope train` does and starts the run in a process of its own; the run's live
// events arrive as server-sent events and are folded (core/trainlog.js) and drawn.
import { emptyRun, foldEvent } from "./core/trainlog.js";
import { renderAugPreview } from "./views/augpreview.js";
import { createTrainForm } from "./views/trainform.js";
import { createTrainLive } from "./views/trainlive.js";
import { renderOverlay } from "./views/trainoverlay.js";
import { renderRuns } from "./views/trainruns.js";

const $ = (id) => document.getElementById(id);
const page = { options: null, form: null, live: null, name: null, run: emptyRun(), info: null, cell: null, source: null, runs: [], frame: 0, previewTimer: 0, previewAsked: 0, compared: [], compareTimer: 0, runsAsked: 0 };
// Milliseconds of quiet after an augmentation change before the preview is asked for (typing a strength sends one request).
const PREVIEW_DELAY = 250;
// Training images in each augmentation's preview strip.
const PREVIEW_SAMPLES = 4;
// Milliseconds between looks at the metrics of compared runs that are still training.
const COMPARE_POLL = 5000;

async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({ detail: `${response.status} ${response.statusText}` }));
  if (!response.ok) {
    const error = new Error(typeof data.detail === "string" ? data.detail : `${response.status} ${response.statusText}`);
    error.field = data.field ?? null;
    error.status = response.status;
    throw error;
  }
  return data;
}

async function check(values) {
  page.form.busy(true);
  try {
    const answer = await call("POST", "api/train/check", values);
    page.form.showOk(`Ready: ${answer.train_images.toLocaleString("en")} training and ${answer.val_images.toLocaleString("en")} validation images of ${answer.classes.length} classes, input ${answer.input_shape.join("×")}.`);
  } catch (error) {
    page.form.showError(error.message, error.field);
  } finally {
    page.form.busy(false);
    document.body.dataset.checked = String(Date.now());
  }
}

/** Ask for the augmentation preview once the settings have stopped changing. */
function schedulePreview(values) {
  clearTimeout(page.previewTimer);
  page.previewTimer = setTimeout(() => showPreview(values), PREVIEW_DELAY);
}

async function showPreview(values) {
  if (!values.data) return; // this server offers no dataset
  const asked = ++page.previewAsked;
  const query = new URLSearchParams({ data: values.data, count: PREVIEW_SAMPLES, seed: values.seed ?? 0 });
  for (const item of values.augment) query.append("augment", item);
  try {
    const answer = await call("GET", `api/train/augment-preview?${query}`);
    if (asked !== page.previewAsked) return; // a later change's answer is on its way
    renderAugPreview(page.form.previewSlots, answer);
    document.body.dataset.preview = answer.augment.join(" ") || "none";
  } catch (error) {
    if (asked === page.previewAsked) page.form.showError(error.message, error.field);
  }
}

async function start(values) {
  page.form.busy(true);
  try {
    const answer = await call("POST", "api/train/start", values);
    page.form.showOk(`Started ${answer.name}.`);
    page.form.newName();
    follow(answer.name);
  } catch (error) {
    page.form.showError(error.message, error.field);
  } finally {
    page.form.busy(false);
    await refreshRuns();
  }
}

async function steer(action) {
  if (!page.name) return;
  try {
    await call("POST", `api/train/runs/${encodeURIComponent(page.name)}/${action}`);
    if (action === "resume") follow(page.name);
  } catch (error) {
    page.form.showError(error.message, null);
  }
  await refreshRuns();
}

async function openModel() {
  try {
    const answer = await call("POST", `api/train/runs/${encodeURIComponent(page.name)}/open`);
    location.href = `./?model=${encodeURIComponent(answer.model)}`;
  } catch (error) {
    page.form.showError(error.message, null);
  }
}

async function showCell(trueClass, predicted) {
  try {
    const query = new URLSearchParams({ true: trueClass, predicted });
    page.cell = await call("GET", `api/train/runs/${encodeURIComponent(page.name)}/misclassified?${query}`);
  } catch (error) {
    page.form.showError(error.message, null);
  }
  redraw();
}

/** Draw at most once per animation frame, however fast events arrive. */
function redraw() {
  if (page.frame) return;
  page.frame = requestAnimationFrame(() => {
    page.frame = 0;
    page.live.show(page.name, page.run, page.info, page.cell);
    document.body.dataset.status = page.run.status;
    document.body.dataset.steps = String(page.run.steps.length);
  });
}

/** Show a run: replay its events from the start, then follow new ones until it ends. */
function follow(name) {
  if (page.source) page.source.close();
  page.name = name;
  page.run = emptyRun();
  page.info = null;
  page.cell = null;
  const url = new URL(location.href);
  url.searchParams.set("run", name);
  history.replaceState(null, "", url);
  const source = new EventSource(`api/train/runs/${encodeURIComponent(name)}/events`);
  page.source = source;
  source.onmessage = (message) => {
    page.run = foldEvent(page.run, JSON.parse(message.data));
    redraw();
  };
  source.addEventListener("end", async () => {
    source.close();
    await refreshRuns();
    redraw();
  });
  source.onerror = () => {
    // The stream broke (the server restarted): start again from the first event rather than fold twice.
    source.close();
    if (page.source === source) setTimeout(() => page.name === name && follow(name), 2000);
  };
  refreshRuns();
  redraw();
}

async function refreshRuns() {
  const mine = ++page.runsAsked;
  let runs;
  try {
    runs = await call("GET", "api/train/runs");
  } catch (error) {
    page.form.showError(error.message, null);
    return;
  }
  if (mine !== page.runsAsked) return; // a later question is on its way: an older answer must not draw over it
  page.runs = runs;
  page.info = page.runs.find((r) => r.name === page.name) ?? null;
  if (page.info && ["finished", "failed", "stopped", "interrupted"].includes(page.info.status) && !["finished", "failed", "stopped"].includes(page.run.status)) {
    page.run = { ...page.run, status: page.info.status === "interrupted" ? "stopped" : page.info.status, message: page.info.message ?? page.run.message };
  }
  drawRuns();
  redraw();
}

function drawRuns() {
  renderRuns($("train-runs"), page.runs, page.name, { onFollow: follow, onCompare: compare }, new Set(page.compared));
}

/** Tick or untick a run for the overlay chart; the ticked runs live in the URL (?compare=a,b). */
function compare(name, ticked) {
  page.compared = ticked ? [...page.compared.filter((n) => n !== name), name] : page.compared.filter((n) => n !== name);
  const url = new URL(location.href);
  if (page.compared.length) url.searchParams.set("compare", page.compared.join(","));
  else url.searchParams.delete("compare");
  history.replaceState(null, "", url);
  refreshCompare();
}

/** Fetch every ticked run's metrics.json and draw them on one chart; look again while one trains. */
async function refreshCompare() {
  clearTimeout(page.compareTimer);
  const names = [...page.compared];
  let series;
  try {
    series = await Promise.all(names.map((n) => call("GET", `api/train/runs/${encodeURIComponent(n)}/metrics`)));
  } catch (error) {
    page.form.showError(error.message, null);
    return;
  }
  if (names.join(",") !== page.compared.join(",")) return; // ticked again meanwhile; that answer draws
  renderOverlay($("train-compare"), series);
  document.body.dataset.compared = names.join(",");
  if (series.some((s) => ["running", "paused"].includes(s.status))) page.compareTimer = setTimeout(refreshCompare, COMPARE_POLL);
}

async function startPage() {
  page.options = await call("GET", "api/train/options");
  page.form = createTrainForm($("train-form"), page.options, { onStart: start, onCheck: check, onAugment: schedulePreview });
  showPreview(page.form.values());
  page.live = createTrainLive($("train-live"), {
    onPause: () => steer("pause"),
    onUnpause: () => steer("unpause"),
    onStop: () => steer("stop"),
    onResume: () => steer("resume"),
    onOpen: openModel,
    onCell: showCell,
  });
  await refreshRuns();
  const ticked = (new URLSearchParams(location.search).get("compare") ?? "").split(",");
  page.compared = ticked.filter((n) => page.runs.some((r) => r.name === n));
  if (page.compared.length) {
    drawRuns();
    refreshCompare();
  }
  const wanted = new URLSearchParams(location.search).get("run");
  if (wanted && page.runs.some((r) => r.name === wanted)) follow(wanted);
  document.body.dataset.ready = "true";
}

startPage().catch((error) => {
  $("train-form").textContent = `The Train page could not start: ${error.message}`;
  document.body.dataset.ready = "error";
});
