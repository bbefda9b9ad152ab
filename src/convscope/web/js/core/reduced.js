// Maps the server sent reduced to the size they are drawn (header.block = k):
// each cell stands for a k×k block of the traced map. These helpers word that
// for the tooltip and the legend; the reducing itself is the server's.

const HOW = {
  mean: "mean",
  max: "largest value",
  extreme: "value of largest magnitude",
};

/**
 * The tooltip line for cell (y, x) of a map as sent.
 * Example: cellText({block: 8, reduce: "max", full_shape: [64, 224, 224]}, 1, 2, "0.5")
 *   -> "largest value of cells y 8–15, x 16–23: 0.5"
 */
export function cellText(header, y, x, shown) {
  const k = header.block ?? 1;
  if (k === 1) return `value at (y ${y}, x ${x}): ${shown}`;
  const [, h, w] = header.full_shape;
  const span = (i, n) => `${i * k}–${Math.min(n, (i + 1) * k) - 1}`;
  return `${HOW[header.reduce] ?? header.reduce} of cells y ${span(y, h)}, x ${span(x, w)}: ${shown}`;
}

/**
 * One sentence for the legend on how reduced maps are drawn, or "" when none is.
 * headers: the tensor headers of the drawn layers.
 */
export function reducedText(headers) {
  const byHow = new Map();
  for (const h of headers) {
    if (!h.block || h.block === 1) continue;
    const seen = byHow.get(h.reduce) ?? { min: Infinity, max: 0 };
    byHow.set(h.reduce, { min: Math.min(seen.min, h.block), max: Math.max(seen.max, h.block) });
  }
  if (!byHow.size) return "";
  const WHAT = { mean: "the input", max: "non-negative maps", extreme: "signed maps" };
  const parts = [...byHow].map(([how, { min, max }]) => {
    const blocks = min === max ? `${min}×${min}` : `${min}×${min} to ${max}×${max}`;
    return `${WHAT[how] ?? "maps"}: the ${HOW[how] ?? how} of each ${blocks} block`;
  });
  return `Large maps are drawn at screen size — ${parts.join("; ")} (hover a cell for its block; detail views show every cell).`;
}

/** The box in device pixels a map of `mapSize` CSS pixels is drawn in. */
export function mapBox(mapSize, devicePixelRatio = 1) {
  return Math.max(1, Math.ceil(mapSize * (devicePixelRatio || 1)));
}

/** Values a set of overview columns fetches when maps come reduced to `box` (as the server reduces them). */
export function reducedValueCount(columns, box) {
  return columns.reduce((sum, c) => {
    if (c.type !== "maps") return sum + c.shape[0];
    const k = Math.max(1, Math.ceil(Math.max(c.shape[1], c.shape[2]) / box));
    return sum + c.channels.length * Math.ceil(c.shape[1] / k) * Math.ceil(c.shape[2] / k);
  }, 0);
}

/** True when some map column is larger than `box` (so the server reduces it). */
export function anyReduced(columns, box) {
  return columns.some((c) => c.type === "maps" && Math.max(c.shape[1], c.shape[2]) > box);
}
