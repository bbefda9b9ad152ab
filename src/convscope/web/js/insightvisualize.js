// Wires the Insight page's feature visualisation: the form, starting (or joining) a job on the server,
// polling it, and handing each answer to the views. No maths here: the server optimises.
import { check } from "./api.js";
import { POLL_MS, finished, jobBody, progressText, visualizeTarget } from "./core/visualize.js";
import { renderCurve, renderImages } from "./views/visualize.js";

const $ = (id) => document.getElementById(id);
const json = async (url, init) => (await check(await fetch(url, init))).json();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function option(value, text) {
  const node = document.createElement("option");
  node.value = value;
  node.textContent = text;
  return node;
}

/** Fill the form ({root, layer, channel, klass, steps, seed}) from the server's layers and classes and from the URL's target. */
function fillForm(form, { spatial, channels, classes, target }) {
  spatial.forEach((name) => form.layer.append(option(name, `${name} (${channels[name]} channels)`)));
  classes.forEach((name, i) => form.klass.append(option(String(i), `${i}: ${name}`)));
  form.layer.value = spatial.includes(target.layer) ? target.layer : spatial[spatial.length - 1];
  form.channel.value = String(target.channel ?? 0);
  if (target.klass !== null && target.klass < classes.length) form.klass.value = String(target.klass);
  form.root.querySelector(`input[name="vis-mode"][value="${target.mode}"]`).checked = true;
}

/** Only the target that the chosen mode uses can be edited; the channel box knows the layer's range. */
function syncForm(form, channels) {
  const mode = form.root.querySelector('input[name="vis-mode"]:checked').value;
  form.layer.disabled = mode !== "channel";
  form.channel.disabled = mode !== "channel";
  form.klass.disabled = mode !== "class";
  form.channel.max = String(channels[form.layer.value] - 1);
  return mode;
}

/**
 * options: {model (id), spatial (layer names), channels ({layer: C}), classes (names), state (core/insight.js
 * readState), onStart(target): the app writes the target into the URL}.
 */
export function wireVisualize({ model, spatial, channels, classes, state, onStart }) {
  const form = { root: $("vis-form"), layer: $("vis-layer"), channel: $("vis-channel"), klass: $("vis-class"), steps: $("vis-steps"), seed: $("vis-seed") };
  const status = $("vis-status");
  const stop = $("vis-stop");
  fillForm(form, { spatial, channels, classes, target: visualizeTarget(state, window.location.hash) });
  syncForm(form, channels);
  form.root.addEventListener("change", () => syncForm(form, channels));
  let running = null; // the id of the job this page follows
  let token = 0; // a newer start makes an older poll loop stop

  function show(job) {
    status.textContent = progressText(job, classes);
    renderCurve($("vis-curve"), job);
    renderImages($("vis-images"), job);
    document.body.dataset.visualize = job.status;
    document.body.dataset.job = job.id;
  }

  async function follow(job, mine) {
    show(job);
    let shots = job.snapshots; // each poll asks only for the snapshots not seen yet
    while (!finished(job) && mine === token) {
      await sleep(POLL_MS);
      job = await json(`api/insight/jobs/${encodeURIComponent(job.id)}?snapshots_from=${shots.length}`);
      shots = shots.slice(0, job.snapshots_from).concat(job.snapshots);
      if (mine === token) show({ ...job, snapshots: shots });
    }
    if (mine === token) {
      running = null;
      stop.disabled = true;
    }
  }

  form.root.addEventListener("submit", async (event) => {
    event.preventDefault();
    const mode = syncForm(form, channels);
    const target = { mode, layer: form.layer.value, channel: form.channel.value, klass: form.klass.value };
    const mine = (token += 1);
    status.textContent = "starting…";
    document.body.dataset.visualize = "starting";
    try {
      const job = await json(`api/models/${encodeURIComponent(model)}/insight/visualize`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(jobBody({ ...target, steps: form.steps.value, seed: form.seed.value })),
      });
      onStart(target);
      running = job.id;
      stop.disabled = false;
      await follow(job, mine);
    } catch (error) {
      if (mine !== token) return;
      status.textContent = error.message;
      document.body.dataset.visualize = "refused";
    }
  });

  stop.addEventListener("click", async () => {
    if (running === null) return;
    try {
      await json(`api/insight/jobs/${encodeURIComponent(running)}/stop`, { method: "POST" });
    } catch (error) {
      status.textContent = error.message;
    }
  });
}
