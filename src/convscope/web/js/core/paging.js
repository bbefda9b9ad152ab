// Which channels of a big layer are on screen: the server sends each layer's
// channel order (most active first); these helpers only cut it into pages.

/**
 * One page of an ordered channel list; out-of-range pages clamp to the nearest one.
 * Example: pageOf([5, 2, 9], 1, 2) -> {channels: [9], page: 1, pages: 2}
 */
export function pageOf(order, page, perPage = 16) {
  const pages = Math.max(1, Math.ceil(order.length / perPage));
  const p = Math.max(0, Math.min(pages - 1, page));
  return { channels: order.slice(p * perPage, (p + 1) * perPage), page: p, pages };
}

/**
 * The pager's text for a column: ranks shown and the total ("/" instead of " of " when compact).
 * Example: pageText({page: 1, channels: [8, 3], slots: 16, total: 18}) -> "17–18 of 18"
 */
export function pageText(column, compact = false) {
  const first = column.page * column.slots;
  return `${first + 1}–${first + column.channels.length}${compact ? "/" : " of "}${column.total}`;
}

/** Map layer name -> channel order from a trace info ({layers: [{name, channel_order}]}); empty without one. */
export function ordersOf(info) {
  return new Map(info ? info.layers.filter((l) => l.channel_order).map((l) => [l.name, l.channel_order]) : []);
}
