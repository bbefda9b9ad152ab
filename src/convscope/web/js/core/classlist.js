// Which classes the class column shows. A model with many classes (ImageNet's
// 1,000) would make the page as tall as its class list, so past `k` classes the
// column shows one page of k: the most probable first (the server's ranking),
// or the classes whose names match a search, k at a time.

export const TOP_K = 10;

/** Rows the column keeps for its search box and pager under the k classes. */
export const CONTROL_ROWS = 2;

/**
 * The page of classes to show.
 * names: class names; ranking: class indices most probable first (null before a trace);
 * view: {query, page}. Returns {channels, page, pages, matches, total, k, query, paged, slots}.
 * Example: classPage(["cat", "dog", "cow"], [2, 0, 1], { page: 0 }, 2).channels -> [2, 0]
 */
export function classPage(names, ranking, { query = "", page = 0 } = {}, k = TOP_K) {
  const total = names.length;
  if (total <= k) {
    const all = names.map((_, i) => i); // few classes: every one, in index order, as before
    return { channels: all, page: 0, pages: 1, matches: total, total, k, query: "", paged: false, slots: total };
  }
  const order = ranking && ranking.length === total ? ranking : names.map((_, i) => i);
  const needle = query.trim().toLowerCase();
  const matching = needle ? order.filter((i) => names[i].toLowerCase().includes(needle)) : order;
  const pages = Math.max(1, Math.ceil(matching.length / k));
  const p = Math.max(0, Math.min(pages - 1, page));
  return {
    channels: matching.slice(p * k, (p + 1) * k),
    page: p,
    pages,
    matches: matching.length,
    total,
    k,
    query,
    paged: true,
    slots: k + CONTROL_ROWS,
  };
}

/**
 * The pager's words: which ranks are shown, out of how many.
 * Example: classPageText({page: 0, k: 10, channels: [...10], matches: 1000, total: 1000, query: ""}) -> "top 1–10 of 1,000"
 */
export function classPageText(list) {
  if (list.matches === 0) return `no class matches “${list.query.trim()}”`;
  const first = list.page * list.k + 1;
  const last = first + list.channels.length - 1;
  const of = list.matches.toLocaleString("en-US");
  return list.query.trim() ? `${first}–${last} of ${of} matching` : `${list.page === 0 ? "top " : ""}${first}–${last} of ${of}`;
}
