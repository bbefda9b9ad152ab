// Header text that fits its box: the whole name when it fits, else its start and
// its end around an ellipsis, keeping more of the end, where a deep network's
// layer names differ (layer1.0.conv1, layer1.0.bn1).

/**
 * The longest abbreviation of `text` for which `fits(candidate)` is true ("…" when none is).
 * Example: abbreviate("inception4a", (t) => t.length <= 8) === "i…tion4a".
 */
export function abbreviate(text, fits) {
  if (fits(text)) return text;
  for (let keep = text.length - 1; keep > 0; keep--) {
    const head = Math.floor(keep / 4);
    const candidate = `${text.slice(0, head)}…${text.slice(text.length - (keep - head))}`;
    if (fits(candidate)) return candidate;
  }
  return "…";
}

/** The name a column header shows: a layer inside a block without the block's name in front. */
export function shortName(name, block) {
  return block && name.startsWith(`${block}.`) ? name.slice(block.length + 1) : name;
}
