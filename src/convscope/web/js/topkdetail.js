// Wiring of "what excites this channel" inside the explainer: the offer in a detail view's
// head, and the view itself (fetch, poll while the pass runs, hand the data to views/topk.js).
import { offersLayer, pollDelay } from "./core/topk.js";
import { el } from "./views/dom.js";
import { message } from "./views/detail/common.js";
import { renderDatasetPicker, renderPatches, renderProgress } from "./views/topk.js";

const offers = new Map(); // model id -> promise of its offer (a model's layers and datasets never change)

function offerOf(api, model) {
  if (!api.topkOffer) return Promise.resolve(null); // a source without a server (an exported site) has no passes
  if (!offers.has(model)) {
    const pending = api.topkOffer(model);
    pending.catch(() => offers.delete(model)); // a failure is not remembered
    offers.set(model, pending);
  }
  return offers.get(model);
}

/**
 * A "What excites this channel" button in a detail view's head, when the layer's channels have
 * patches; `api` is the detail views' data source (detailapi.js's shape).
 */
export async function offer(head, state, navigate, api) {
  if (state.view === "topk" || state.view === "explorer" || state.view === "why" || !state.layer) return;
  try {
    const offered = await offerOf(api, state.model);
    if (!offered || !offersLayer(offered, state.layer)) return;
  } catch {
    return; // without an offer the view simply offers nothing
  }
  const channel = state.channel ?? 0;
  const button = el("button", "topk-open-button", { type: "button", title: "The dataset patches that make this channel's activation highest" }, `What excites channel ${channel}?`);
  button.addEventListener("click", () => navigate({ view: "topk", channel, y: null, x: null, input: null }));
  head.querySelector(".detail-hint")?.before(button);
}

/** The view: ctx {model, state, navigate}. Polls while the pass runs; destroy() stops it. */
export async function open(root, ctx) {
  const model = ctx.model.id;
  const picker = el("div", "topk-controls");
  const body = el("div", "topk-body");
  root.append(picker, body);
  let timer = null;
  let alive = true;
  let token = 0;
  let data = ctx.state.data || null;

  const offered = await offerOf(ctx.api, model);
  if (!offered) {
    message(body, "Top-k dataset patches are computed by a ConvScope server: run convscope serve to see them.");
    return {};
  }
  const chosen = () => (offered.datasets.some((d) => d.id === data) ? data : offered.default);
  const pick = (id) => {
    data = id;
    ctx.navigate({ data: id === offered.default ? "" : id }, null, { replace: true });
    load();
  };

  async function load(attempt = 0) {
    clearTimeout(timer);
    const mine = ++token;
    renderDatasetPicker(picker, offered, chosen(), pick);
    try {
      const { running, answer } = await ctx.api.topkPatches(model, ctx.state.layer, { channel: ctx.state.channel ?? 0, data: chosen() });
      if (!alive || mine !== token) return;
      if (running) {
        renderProgress(body, answer);
        root.dataset.topk = "running";
        timer = setTimeout(() => load(attempt + 1), pollDelay(attempt));
        return;
      }
      renderPatches(body, answer, model);
      root.dataset.topk = "ready";
    } catch (error) {
      if (!alive || mine !== token) return;
      body.replaceChildren();
      message(body, error.message);
      root.dataset.topk = "failed";
    }
  }

  await load();
  return {
    destroy() {
      alive = false;
      clearTimeout(timer);
    },
  };
}
