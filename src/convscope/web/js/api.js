// The server's API, as promises. Every failed request rejects with an ApiError
// carrying the server's one-line {"detail": "..."} message.
import { chooseDtype, decodeFrames, decodeTensor } from "./core/tensor.js";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const enc = encodeURIComponent;

/** Resolve to `response` when it is OK; otherwise reject with the server's one-line message. */
export async function check(response) {
  if (response.ok) return response;
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (typeof body.detail === "string") message = body.detail;
  } catch {
    // not JSON: keep the status line
  }
  throw new ApiError(response.status, message);
}

const getJson = async (url) => (await check(await fetch(url))).json();

/** "0-15" for channels 0..15, "0,3,5" otherwise. */
export function channelsParam(channels) {
  const contiguous = channels.every((c, i) => i === 0 || c === channels[i - 1] + 1);
  return contiguous && channels.length > 1 ? `${channels[0]}-${channels.at(-1)}` : channels.join(",");
}

export const api = {
  models: () => getJson("api/models"),
  model: (id) => getJson(`api/models/${enc(id)}`),
  /** The samples that belong to one model (never another model's). */
  samples: (model) => getJson(`api/models/${enc(model)}/samples`),
  trace: (model, image) => getJson(`api/models/${enc(model)}/traces/${enc(image)}`),
  async upload(model, file) {
    const body = new FormData();
    body.append("file", file, file.name || "upload");
    return (await check(await fetch(`api/models/${enc(model)}/traces`, { method: "POST", body }))).json();
  },
  /**
   * Several layers in one request; `first` caps the channels of each (C, H, W) layer.
   * channels (optional): one list per name ([] for the default), e.g. a page of the most active.
   * box (optional): the device pixels a map is drawn in; larger maps come reduced (header.block).
   */
  async layers(info, names, first, dtype, channels = null, box = null) {
    const params = new URLSearchParams({ names: names.join(","), dtype, first: String(first) });
    if (channels && channels.some((c) => c.length)) params.set("channels", channels.map((c) => (c.length ? channelsParam(c) : "")).join(";"));
    if (box) params.set("box", String(box));
    const response = await check(await fetch(`${info.layers_url.replace(/\/$/, "")}?${params}`));
    return decodeFrames(await response.arrayBuffer());
  },
  /** One layer's activations as {header, shape, data}; only `channels` of a (C, H, W) layer, reduced to `box` when larger. */
  async layer(info, name, shape, channels, box = null) {
    const count = shape.length === 3 ? channels.length * shape[1] * shape[2] : shape[0];
    const reduced = box && shape.length === 3 && Math.max(shape[1], shape[2]) > box;
    const params = new URLSearchParams({ dtype: reduced ? "auto" : chooseDtype(count) });
    if (shape.length === 3 && channels.length < shape[0]) params.set("channels", channelsParam(channels));
    if (reduced) params.set("box", String(box));
    const response = await check(await fetch(`${info.layers_url}${enc(name)}?${params}`));
    return decodeTensor(await response.arrayBuffer());
  },
};
