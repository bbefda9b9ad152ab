// Input channels in their own colours: each channel of an RGB image drawn from black
// to its primary, and the three added up into one colour picture. Which channel is
// which comes from the input spec's channel_tints (the server's decision).
import { paintComposite, tintScheme } from "../../core/colour.js";
import { el } from "../dom.js";

/** The display domain of an input channel: its own min … max in its tint. */
export function inputDomain(values, tint) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { scheme: tintScheme(tint), lo, hi: hi > lo ? hi : lo + 1 };
}

/**
 * The red, green and blue channels as one picture, or null unless all three are in `maps`
 * (Map channel -> values). Each channel is stretched over its own range, as its tinted map is.
 */
export function compositeFigure(maps, tints, height, width, size) {
  const order = ["red", "green", "blue"].map((tint) => tints.indexOf(tint));
  if (order.some((c) => c < 0 || !maps.has(c))) return null;
  const channels = order.map((c) => maps.get(c));
  const domains = channels.map((values, k) => inputDomain(values, ["red", "green", "blue"][k]));
  const canvas = el("canvas", "dmap-canvas composite-canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  const image = context.createImageData(width, height);
  paintComposite(channels, domains, image.data);
  context.putImageData(image, 0, 0);
  const frame = el("div", "dmap-frame");
  const scale = size / Math.max(height, width);
  Object.assign(frame.style, { width: `${Math.round(width * scale)}px`, height: `${Math.round(height * scale)}px` });
  frame.append(canvas);
  const figure = el("figure", "dmap composite");
  figure.append(frame, el("figcaption", "", {}, `red + green + blue together · ${height}×${width}`));
  return figure;
}
