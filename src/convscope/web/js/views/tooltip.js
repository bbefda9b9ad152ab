// One floating tooltip for map values and ranges.
import { el } from "./dom.js";

export function createTooltip(parent = document.body) {
  const node = el("div", "tooltip", { role: "status", "aria-live": "polite", hidden: "" });
  parent.append(node);
  return {
    show(lines, clientX, clientY) {
      node.replaceChildren(...lines.map((line) => el("div", "", {}, line)));
      node.hidden = false;
      const pad = 14;
      const x = Math.min(clientX + pad, window.innerWidth - node.offsetWidth - 4);
      const y = Math.min(clientY + pad, window.innerHeight - node.offsetHeight - 4);
      Object.assign(node.style, { left: `${x + window.scrollX}px`, top: `${y + window.scrollY}px` });
    },
    hide() {
      node.hidden = true;
    },
    node,
  };
}
