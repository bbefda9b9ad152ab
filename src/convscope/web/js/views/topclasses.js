// The class column's search box and pager (models with more than TOP_K classes).
// Typing or paging asks the app for another page (handlers.onClasses); the app
// rebuilds the column, and the control that had the keyboard gets it back.
import { classPageText } from "../core/classlist.js";
import { el, place } from "./dom.js";

const SEARCH_DELAY_MS = 150; // one rebuild per pause in typing, not per key

/**
 * The search box and pager for one page of classes, not yet placed.
 * list: classPage(...) plus focus ("search" | "prev" | "next" | null); onClasses({query, page, focus}) asks for another page.
 * Returns {search, pager, refocus()}: refocus gives the keyboard back to the control that had it.
 */
export function classControls(list, onClasses) {
  const search = el("input", "class-search", { type: "search", placeholder: "Find a class", "aria-label": "Find a class by name", autocomplete: "off" });
  search.value = list.query;
  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => onClasses({ query: search.value, page: 0, focus: "search" }), SEARCH_DELAY_MS);
  });
  search.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && search.value) {
      event.stopPropagation(); // Esc clears the search before it steps back out of anything
      search.value = "";
      onClasses({ query: "", page: 0, focus: "search" });
    }
  });
  const pager = el("div", "class-pager", { role: "group", "aria-label": "Classes, most probable first" });
  const step = (dir, glyph, words) => {
    const to = list.page + dir;
    const button = el("button", "pager-step", { type: "button", "aria-label": `${words} ${list.k} classes` }, glyph);
    button.dataset.pager = dir < 0 ? "prev" : "next";
    if (to < 0 || to >= list.pages) button.setAttribute("aria-disabled", "true");
    else button.addEventListener("click", () => onClasses({ query: list.query, page: to, focus: button.dataset.pager }));
    return button;
  };
  const text = el("span", "pager-text class-pager-text", { "aria-live": "polite" }, classPageText(list));
  pager.append(step(-1, "‹", "Previous"), text, step(1, "›", "Next"));
  const refocus = () => {
    const node = list.focus === "search" ? search : list.focus ? pager.querySelector(`[data-pager="${list.focus}"]`) : null;
    if (!node) return;
    node.focus({ preventScroll: true });
    if (node === search) search.setSelectionRange(search.value.length, search.value.length);
  };
  return { search, pager, refocus };
}

/** The class column's controls, placed under its k rows; box: {x, y, w, rowHeight}. */
export function createClassControls(stage, list, box, onClasses) {
  const { search, pager, refocus } = classControls(list, onClasses);
  stage.append(place(search, { x: box.x, y: box.y, w: box.w, h: box.rowHeight - 4 }), place(pager, { x: box.x, y: box.y + box.rowHeight, w: box.w, h: box.rowHeight - 4 }));
  refocus();
  return { search, pager };
}

/**
 * A search box over class names for the detail views of models with many classes:
 * choosing a name (from the browser's suggestions, or typing it whole and Enter) calls onPick(index).
 */
export function classFinder(names, onPick, id = "class-names") {
  const wrap = el("label", "class-finder", {}, "Find a class ");
  const input = el("input", "class-search", { type: "search", list: id, placeholder: "class name", autocomplete: "off" });
  const options = el("datalist", "", { id });
  options.append(...names.map((name) => el("option", "", { value: name })));
  const index = new Map(names.map((name, i) => [name.toLowerCase(), i]));
  let picked = null;
  const pick = () => {
    const found = index.get(input.value.trim().toLowerCase());
    if (found === undefined || found === picked) return; // Enter then change (or removal) pick once
    picked = found;
    onPick(found);
  };
  input.addEventListener("change", pick);
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    // The view re-opens at once and focuses its Back button; without this, Enter would press it.
    event.preventDefault();
    pick();
  });
  wrap.append(input, options);
  return wrap;
}
