// A strip of every overview column at a small scale, blocks underlined, with the
// part the scroller shows marked; click or drag on it (or use the arrow keys on
// it) to scroll there. Shown only while the columns are wider than the screen.
import { el } from "./dom.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

/** minimap(root, scroller): {build(layout, columns), sync()}; it scrolls `scroller` itself. */
export function createMinimap(root, scroller) {
  const wrap = el("div", "minimap", { role: "scrollbar", tabindex: "0", "aria-label": "All columns: the marked part is on screen", "aria-controls": "overview", "aria-orientation": "horizontal" });
  const svg = svgEl("svg", { preserveAspectRatio: "none", height: "28" });
  const marks = svgEl("g", {});
  const view = svgEl("rect", { class: "minimap-view", y: "0", height: "28" });
  svg.append(marks, view);
  wrap.append(svg);
  wrap.hidden = true; // until a build finds the columns wider than the screen
  root.prepend(wrap);
  let width = 1;

  function sync() {
    const overflow = scroller.scrollWidth > scroller.clientWidth + 1;
    wrap.hidden = !overflow;
    view.setAttribute("x", scroller.scrollLeft);
    view.setAttribute("width", scroller.clientWidth);
    const now = Math.round((scroller.scrollLeft / Math.max(1, width - scroller.clientWidth)) * 100);
    wrap.setAttribute("aria-valuenow", String(Number.isFinite(now) ? now : 0));
  }

  function jump(event) {
    const box = svg.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * width;
    scroller.scrollLeft = x - scroller.clientWidth / 2;
    sync(); // the scroll event comes a frame later; the mark moves with the click
  }

  wrap.addEventListener("pointerdown", (event) => {
    jump(event);
    const move = (e) => jump(e);
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", () => window.removeEventListener("pointermove", move), { once: true });
  });
  wrap.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    scroller.scrollLeft += step * scroller.clientWidth * 0.8;
    sync();
  });
  scroller.addEventListener("scroll", sync, { passive: true });
  window.addEventListener("resize", sync);

  return {
    /** layout: core/layout.js overviewLayout; columns: the overview columns it placed. */
    build(layout, columns) {
      width = layout.width;
      svg.setAttribute("viewBox", `0 0 ${width} 28`);
      marks.replaceChildren();
      layout.columns.forEach((placed, i) => {
        const kind = columns[i].type === "maps" ? (columns[i].collapsed ? "block" : "maps") : columns[i].type;
        const rect = svgEl("rect", { class: `minimap-column minimap-${kind}`, x: placed.x, y: 6, width: Math.max(placed.width, 6), height: 16 });
        rect.dataset.layer = placed.name;
        marks.append(rect);
      });
      for (const span of layout.blocks) marks.append(svgEl("rect", { class: "minimap-block", x: span.x, y: 24, width: span.w, height: 3 }));
      sync();
    },
    sync,
  };
}
