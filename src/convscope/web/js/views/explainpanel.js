// An explanation panel: what you see, how to read it, the rule, and worked lines
// whose numbers show their full value on hover. Hideable; the choice is kept in
// localStorage and shared by every panel. The text comes from the server.
import { panelUrl, panelsHidden, rememberHidden } from "../core/explain.js";
import { el } from "./dom.js";

function workedLine(segments) {
  const line = el("p", "explain-worked");
  for (const segment of segments) {
    if (typeof segment === "string") {
      line.append(segment);
      continue;
    }
    const node = el("span", "num explain-num", { title: String(segment.value) }, segment.text);
    node.dataset.value = String(segment.value);
    node.dataset.field = segment.field;
    line.append(node);
  }
  return line;
}

/** The page's localStorage, or null where reading it throws (a sandboxed frame, as notebook outputs may be). */
function pageStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/**
 * A panel inside `root`: {node, show(panel, key), wait(key), error(message), sync()}.
 * `key` names what the panel explains (tests wait on data-ready = key).
 */
export function createExplainPanel(root, { storage = pageStorage(), className = "" } = {}) {
  const id = `explain-body-${className || "panel"}`;
  const node = el("aside", `explain-panel ${className}`.trim(), { "aria-label": "Explanation" });
  const head = el("div", "explain-head");
  const title = el("h3", "explain-title", {}, "Explanation");
  const toggle = el("button", "explain-toggle", { type: "button", "aria-controls": id });
  const body = el("div", "explain-body", { id, "aria-live": "polite" });
  head.append(title, toggle);
  node.append(head, body);
  root.append(node);

  function sync() {
    const hidden = panelsHidden(storage);
    body.hidden = hidden;
    toggle.textContent = hidden ? "Show explanation" : "Hide explanation";
    toggle.setAttribute("aria-expanded", String(!hidden));
    node.classList.toggle("collapsed", hidden);
  }
  toggle.addEventListener("click", () => {
    rememberHidden(storage, !panelsHidden(storage));
    sync();
    // Every other panel on the page follows the same choice.
    document.dispatchEvent(new CustomEvent("convscope:explanations"));
  });
  document.addEventListener("convscope:explanations", sync);
  sync();

  return {
    node,
    /** Waiting for the panel of `key`: the old text stays, marked as not ready. */
    wait(key) {
      node.dataset.ready = "";
      node.dataset.pending = key;
    },
    show(panel, key) {
      title.textContent = panel.title;
      body.replaceChildren(
        el("p", "explain-seeing", {}, panel.seeing),
        el("p", "explain-reading", {}, panel.reading),
        el("p", "dformula explain-formula", {}, panel.formula),
        ...panel.worked.map(workedLine),
        ...panel.notes.map((text) => el("p", "hint explain-note", {}, text)),
      );
      node.dataset.view = panel.view;
      node.dataset.ready = key;
    },
    /** The view beside it already says what went wrong (the same request failed there): the panel steps aside. */
    error(message, key) {
      body.replaceChildren(el("p", "hint explain-error", {}, message));
      node.hidden = true;
      node.dataset.ready = key;
    },
    sync,
    destroy() {
      document.removeEventListener("convscope:explanations", sync);
      node.remove();
    },
  };
}

/**
 * Keep `panel` on what `state` points at: follow(name, state, ctx) asks for the panel of
 * view `name` (core/explain.panelUrl) through `fetchJson(url)` and shows only the newest answer.
 */
export function panelFollower(panel, fetchJson) {
  let token = 0;
  let shown = "";
  return async function follow(name, state, ctx) {
    const url = panelUrl(name, state, ctx);
    panel.node.hidden = !url;
    if (!url || url === shown) return;
    const mine = ++token;
    panel.wait(url);
    try {
      const answer = await fetchJson(url);
      if (mine !== token) return;
      panel.show(answer, url);
      shown = url;
    } catch (error) {
      if (mine === token) panel.error(error.message, url);
    }
  };
}
