// A run's live events (training/live.py) folded into what the Train page draws.
// Pure bookkeeping: every number comes from the training process as it sent it.
import { isSigned } from "./scales.js";

/** The empty state of a run before any event. */
export function emptyRun() {
  return {
    plan: null, // the last start event: steps_per_epoch, total_steps, classes, schedule
    steps: [], // step events, in step order
    epochs: [], // epoch events (EpochMetrics)
    filters: null, // the latest filters event
    probe: null, // the latest probe event
    maps: null, // the latest maps event: the probe image's activation maps
    test: null,
    status: "waiting", // waiting | running | paused | finished | failed | stopped
    message: "",
    starts: 0,
  };
}

/**
 * Fold one event into the run state (a new object; the old one is untouched).
 * A resumed run starts again from its last checkpoint: step and epoch points after
 * that checkpoint were trained by the stopped process and are dropped, since the
 * resumed process trains those steps again.
 */
export function foldEvent(run, event) {
  const next = { ...run };
  switch (event.type) {
    case "start":
      next.plan = event;
      next.steps = run.steps.filter((s) => s.step <= event.step);
      next.epochs = run.epochs.filter((e) => e.epoch <= event.epoch);
      next.status = "running";
      next.message = "";
      next.starts = run.starts + 1;
      break;
    case "step":
      next.steps = [...run.steps, event];
      break;
    case "epoch":
      next.epochs = [...run.epochs, event];
      break;
    case "filters":
      next.filters = event;
      break;
    case "probe":
      next.probe = event;
      break;
    case "maps":
      next.maps = event;
      break;
    case "test":
      next.test = event;
      break;
    case "paused":
      next.status = "paused";
      break;
    case "resumed":
      next.status = "running";
      break;
    case "done":
      next.status = "finished";
      break;
    case "error":
      next.status = "failed";
      next.message = event.message ?? "";
      break;
    case "stopped":
      next.status = "stopped";
      break;
    default:
      return run; // an event this page does not know: ignored, not fatal
  }
  return next;
}

/** Fold a list of events from the empty state. */
export function foldEvents(events) {
  return events.reduce(foldEvent, emptyRun());
}

/** The last step event, or null. */
export function latestStep(run) {
  return run.steps.length ? run.steps[run.steps.length - 1] : null;
}

/** "1 min 05 s" for a count of seconds (null or NaN: an em dash). */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const whole = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(whole / 60);
  const rest = whole % 60;
  return minutes ? `${minutes} min ${String(rest).padStart(2, "0")} s` : `${rest} s`;
}

/**
 * The gap between training and validation accuracy per finished epoch:
 * [{epoch, train, val, gap}] for epochs that have a validation value.
 */
export function accuracyGap(run) {
  return run.epochs
    .filter((e) => e.val_accuracy !== null && e.val_accuracy !== undefined)
    .map((e) => ({ epoch: e.epoch, train: e.train_accuracy, val: e.val_accuracy, gap: e.train_accuracy - e.val_accuracy }));
}

/** Index of the largest probability (the class the model would answer now). */
export function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i += 1) if (values[i] > values[best]) best = i;
  return best;
}

/** Little-endian float32 values from base64 (the maps event's encoding). */
export function decodeFloats(base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i += 1) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * A maps event as what the overview draws: per layer its name, full shape [C, H, W], and the
 * sent channels' maps (H*W floats each) with one colour domain per layer, as the explainer
 * colours a layer: diverging around zero when a value is negative, the warm half otherwise.
 */
export function mapsOverview(event) {
  return event.layers.map((layer) => {
    const [, h, w] = layer.shape;
    const values = decodeFloats(layer.values);
    const maps = Array.from({ length: layer.channels }, (_, k) => values.subarray(k * h * w, (k + 1) * h * w));
    const m = Math.max(Math.abs(layer.min), Math.abs(layer.max)) || 1;
    const signed = isSigned({ signed: false }, layer);
    const domain = signed ? { scheme: "diverging", lo: -m, hi: m } : { scheme: "sequential", lo: 0, hi: m };
    return { name: layer.name, shape: layer.shape, height: h, width: w, maps, domain };
  });
}
