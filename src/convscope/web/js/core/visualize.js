// Feature visualisation's DOM-free parts: the request a form makes, the words for a job's
// progress, the objective curve's geometry and an image's RGBA bytes.
import { fmt } from "./insight.js";

/** How often the page asks a running job how far it got. */
export const POLL_MS = 250;

/**
 * The form's choice -> the POST body: {layer, channel} for a channel, {class} for a class,
 * with steps and seed. Whole numbers only; anything else is left for the server to refuse.
 */
export function jobBody({ mode, layer, channel, klass, steps, seed }) {
  const body = { steps: Number(steps), seed: Number(seed) };
  if (mode === "class") body.class = Number(klass);
  else Object.assign(body, { layer, channel: Number(channel) });
  return body;
}

/** The visualisation the URL asks for: a channel when it names one, a class when it is opened at #visualize with one. */
export function visualizeTarget(state, hash) {
  if (state.channel !== null) return { mode: "channel", layer: state.layer, channel: state.channel, klass: state.klass };
  if (hash === "#visualize" && state.klass !== null) return { mode: "class", layer: state.layer, channel: 0, klass: state.klass };
  return { mode: "channel", layer: state.layer, channel: 0, klass: state.klass };
}

export const finished = (job) => job.status !== "running";

/** What the job is: "channel 3 of conv_1_2" or "class 2 (Pullover)". */
export function targetText(job, classes = []) {
  if (job.class !== null && job.class !== undefined) return `class ${job.class}${classes[job.class] ? ` (${classes[job.class]})` : ""}`;
  return `channel ${job.channel} of ${job.layer}`;
}

/** One line on the job: its step, objective, seed, and why it ended when it did not finish. */
export function progressText(job, classes = []) {
  const last = job.curve.length ? fmt(job.curve[job.curve.length - 1]) : "–";
  const what = `${targetText(job, classes)} · seed ${job.seed}`;
  if (job.status === "running") return `step ${job.step} of ${job.steps} · objective ${last} · ${what}`;
  if (job.status === "done") return `done: ${job.steps} steps · objective ${last} while optimising, ${fmt(job.final)} on the final image · ${what}`;
  return `${job.status}: ${job.message}`;
}

/**
 * The curve as SVG points: step 1 … steps left to right, the objective's range bottom to top,
 * inside `width` × `height` less `pad` on each side. Returns {points, low, high}.
 */
export function curveGeometry(curve, steps, width, height, pad = 4) {
  const low = curve.length ? Math.min(...curve) : 0;
  const high = curve.length ? Math.max(...curve) : 1;
  const span = high > low ? high - low : 1;
  const across = Math.max(1, steps - 1);
  const points = curve.map((value, i) => [
    pad + (i / across) * (width - 2 * pad),
    pad + (1 - (value - low) / span) * (height - 2 * pad),
  ]);
  return { points, low, high };
}

/** (C, H, W) values in 0…1 -> RGBA bytes, row by row; one channel is drawn grey, three as RGB. */
export function imageBytes(pixels) {
  const channels = pixels.length;
  const rows = pixels[0].length;
  const cols = pixels[0][0].length;
  const bytes = new Uint8ClampedArray(4 * rows * cols);
  for (let y = 0; y < rows; y += 1) {
    for (let x = 0; x < cols; x += 1) {
      const i = 4 * (y * cols + x);
      for (let c = 0; c < 3; c += 1) bytes[i + c] = Math.round(255 * pixels[channels === 3 ? c : 0][y][x]);
      bytes[i + 3] = 255;
    }
  }
  return { bytes, rows, cols };
}
