// A long class list inside a detail view (the softmax rows, the fully connected
// view's class buttons): one page of k classes, most probable first by the server's
// ranking, with the class column's search box and pager. The page and search are
// kept per trace, so picking a class (which re-opens the view) stays on its page.
import { classPage } from "../../core/classlist.js";
import { el } from "../dom.js";
import { classControls } from "../topclasses.js";

const kept = new Map(); // "view|model/image" -> {query, page}; one entry per view

/**
 * names: class names; ranking: class indices most probable first; k: classes per page;
 * key: the view and trace the kept page belongs to; render(list) draws a classPage(...) page.
 * Returns the controls' node (empty when every class fits on one page: render gets them all, in index order).
 */
export function pagedClasses(names, ranking, { k, key, view }, render) {
  const node = el("div", "class-pages");
  const saved = kept.get(view);
  const show = (wanted) => {
    const list = { ...classPage(names, ranking, wanted, k), focus: wanted.focus ?? null };
    kept.set(view, { key, query: list.query, page: list.page });
    render(list);
    node.hidden = !list.paged; // few classes: every one is shown, and the view looks as it always did
    if (!list.paged) return node.replaceChildren();
    const { search, pager, refocus } = classControls(list, show);
    search.placeholder = "Filter the list";
    search.setAttribute("aria-label", "Filter the list of classes by name");
    node.replaceChildren(search, pager);
    refocus();
  };
  show(saved && saved.key === key ? saved : { query: "", page: 0 });
  return node;
}
