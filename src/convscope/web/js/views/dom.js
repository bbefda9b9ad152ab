// Tiny DOM helpers shared by the views.

/** document.createElement with a class name, attributes and text. */
export function el(tag, className = "", attrs = {}, text = "") {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

/** Position an absolutely placed element. */
export function place(node, { x, y, w, h }) {
  Object.assign(node.style, { left: `${x}px`, top: `${y}px`, width: `${w}px`, height: `${h}px` });
  return node;
}

export const d3 = globalThis.d3;
