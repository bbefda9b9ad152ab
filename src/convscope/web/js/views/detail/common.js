// Building blocks the detail views share: a map with a cursor and a window box,
// a grid of numbers (2 decimals, full precision on hover), value lines, messages.
import { colourOf } from "../../core/colour.js";
import { fixed2, fullText, tapBox } from "../../core/detail.js";
import { el } from "../dom.js";
import { paintMap } from "../maps.js";

/** A diverging domain centred on zero that covers `values` (display only). */
export function domainOf(values, scheme = "diverging") {
  let m = 0;
  for (const v of values) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  m = m > 0 ? m : 1;
  return scheme === "diverging" ? { scheme, lo: -m, hi: m } : { scheme, lo: 0, hi: m };
}

/** A number with 2 decimals (or `format`, e.g. formatValue for tiny values); its full value in the title. */
export function num(v, className = "num", format = fixed2) {
  const node = el("span", className, {}, format(v));
  node.title = fullText(v);
  node.dataset.value = fullText(v);
  return node;
}

/** "label: value" as a line. */
export function valueLine(label, v, className = "") {
  const line = el("div", "value-line");
  line.append(el("span", "value-label", {}, `${label} `), num(v, `num ${className}`.trim()));
  return line;
}

/** A message box in place of a view (API errors, layers with no explanation). */
export function message(container, text, kind = "error") {
  const box = el("p", `detail-message ${kind}`, { role: kind === "error" ? "alert" : "status" }, text);
  container.append(box);
  return box;
}

const pct = (v, n) => `${(v / n) * 100}%`;

/** How long the cursor rests before its value is explained: a sweeping mouse asks for none of the cells it crosses. */
export const HOVER_DELAY_MS = 60;

const ARROWS = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

/**
 * A map at its own resolution, scaled by CSS, with overlays placed in map cells.
 * options: {label, size (px), onHover(y, x), onClick(y, x), keyPosition() -> {y, x} (the cell Enter
 * clicks), arrows (arrow keys click the neighbouring cell), className}.
 * Returns {node, canvas, cursor(y, x), box(rows, cols), mark(y, x), clear()}.
 */
export function mapFigure(values, height, width, domain, options = {}) {
  const figure = el("figure", `dmap ${options.className ?? ""}`);
  const frame = el("div", "dmap-frame");
  const size = options.size ?? 140;
  const scale = size / Math.max(height, width);
  Object.assign(frame.style, { width: `${Math.max(1, Math.round(width * scale))}px`, height: `${Math.max(1, Math.round(height * scale))}px` });
  const canvas = el("canvas", "dmap-canvas");
  paintMap(canvas, values, height, width, domain);
  frame.append(canvas);
  figure.append(frame);
  if (options.label) figure.append(el("figcaption", "", {}, options.label));
  const cell = (event) => {
    const r = canvas.getBoundingClientRect();
    const x = Math.floor(((event.clientX - r.left) / r.width) * width);
    const y = Math.floor(((event.clientY - r.top) / r.height) * height);
    return { y: Math.max(0, Math.min(height - 1, y)), x: Math.max(0, Math.min(width - 1, x)) };
  };
  if (options.onHover) canvas.addEventListener("mousemove", (e) => options.onHover(cell(e).y, cell(e).x));
  if (options.onClick) {
    canvas.addEventListener("click", (e) => options.onClick(cell(e).y, cell(e).x));
    canvas.tabIndex = 0;
    canvas.setAttribute("role", "button");
    canvas.setAttribute("aria-label", options.label ?? "map");
    canvas.addEventListener("keydown", (e) => {
      const at = options.keyPosition?.() ?? { y: 0, x: 0 };
      const step = options.arrows ? ARROWS[e.key] : null;
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        options.onClick(at.y, at.x);
      } else if (step) {
        e.preventDefault();
        options.onClick(Math.max(0, Math.min(height - 1, at.y + step[0])), Math.max(0, Math.min(width - 1, at.x + step[1])));
      }
    });
  }
  const overlay = (className) => {
    const node = el("div", className);
    node.hidden = true;
    frame.append(node);
    return node;
  };
  const cursorNode = overlay("dmap-cursor");
  const boxNode = overlay("dmap-box");
  const markNode = overlay("dmap-mark");
  const put = (node, top, left, h, w) => {
    Object.assign(node.style, { top: pct(top, height), left: pct(left, width), height: pct(h, height), width: pct(w, width) });
    node.hidden = false;
  };
  return {
    node: figure,
    canvas,
    cursor(y, x) {
      put(cursorNode, y, x, 1, 1);
    },
    box(rows, cols) {
      const b = tapBox(rows, cols, height, width);
      if (b) put(boxNode, b.top, b.left, b.height, b.width);
      else boxNode.hidden = true;
    },
    mark(y, x) {
      put(markNode, y, x, 1, 1);
    },
    clear() {
      cursorNode.hidden = boxNode.hidden = markNode.hidden = true;
    },
  };
}

/**
 * The cursor of a view that explains one output position at a time. Hovering moves
 * it and asks for the explanation after HOVER_DELAY_MS; a click or an arrow key pins
 * it (and the address); only the newest answer is drawn, so a slow reply never
 * overwrites a later one.
 * opts: {start: {y, x}, draw(pos) (cursor overlays), explain(pos) -> Promise<step>,
 * render(step, pos), numbers (where an error is shown), navigate(pos)}.
 * Returns {at() -> pos, hover(y, x), pin(y, x), show() (explain where it stands; call it
 * once the figures exist), view: {position(next), destroy()} (what a detail view returns)}.
 */
export function explainedCursor(opts) {
  let pos = opts.start;
  let timer = null;
  let token = 0;

  async function show() {
    const mine = ++token;
    const at = pos;
    try {
      const step = await opts.explain(at);
      if (mine === token) opts.render(step, at);
    } catch (error) {
      if (mine !== token) return;
      opts.numbers.replaceChildren();
      message(opts.numbers, error.message);
    }
  }

  function move(y, x, now) {
    pos = { y, x };
    opts.draw(pos);
    clearTimeout(timer);
    if (now) show();
    else timer = setTimeout(show, HOVER_DELAY_MS);
  }

  return {
    at: () => pos,
    hover: (y, x) => move(y, x, false),
    show: () => move(pos.y, pos.x, true),
    pin(y, x) {
      move(y, x, true);
      opts.navigate({ y, x });
    },
    view: {
      position(next) {
        if (next.y !== null && next.x !== null && (next.y !== pos.y || next.x !== pos.x)) move(next.y, next.x, true);
      },
      destroy() {
        clearTimeout(timer);
        token += 1;
      },
    },
  };
}

/**
 * A table of numbers: matrix [[v]] coloured by `domain`; options {mask (true: padding),
 * highlight: [i, j], caption, className}. Cells show 2 decimals, the title the full value.
 */
export function numberGrid(matrix, domain, options = {}) {
  const table = el("table", `ngrid ${options.className ?? ""}`);
  if (options.caption) table.append(el("caption", "", {}, options.caption));
  const body = el("tbody");
  matrix.forEach((row, i) => {
    const tr = el("tr");
    row.forEach((v, j) => {
      const td = el("td", "", {}, fixed2(v));
      td.title = fullText(v);
      td.dataset.value = fullText(v);
      if (options.mask && options.mask[i][j]) td.classList.add("pad");
      else if (domain) td.style.background = colourOf(v, domain);
      if (options.highlight && options.highlight[0] === i && options.highlight[1] === j) td.classList.add("winner");
      tr.append(td);
    });
    body.append(tr);
  });
  table.append(body);
  return table;
}

/** A labelled panel (figure column) inside a view. */
export function panel(title, className = "") {
  const node = el("section", `dpanel ${className}`);
  if (title) node.append(el("h3", "", {}, title));
  return node;
}
