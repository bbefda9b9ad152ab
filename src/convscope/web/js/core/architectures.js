// The architectures page's DOM-free core: log-scale lengths, the shape-flow columns,
// the overlay's series and the page's URL state. Numbers come from /api/architectures.

/** A length in [0, span] for `value` on a log scale whose top is `top` (0 and below: 0). */
export function logLength(value, top, span) {
  if (value <= 0 || top <= 0) return 0;
  return (span * Math.log10(value + 1)) / Math.log10(top + 1);
}

/** One column per layer with a (C, H, W) or (F,) output: its name, kind, C (or F) and H. */
export function flowColumns(facts) {
  return facts.layers.map((l) => ({
    name: l.name,
    kind: l.kind,
    channels: l.output_shape[0],
    size: l.output_shape.length === 3 ? l.output_shape[1] : 1,
    params: l.params,
    mults: l.mults,
  }));
}

/** Shares of the parameters in conv, dense and other layers, in percent (summing to 100). */
export function parameterSplit(facts) {
  const total = facts.params || 1;
  return {
    conv: (100 * facts.conv_params) / total,
    dense: (100 * facts.dense_params) / total,
    rest: (100 * facts.other_params) / total,
  };
}

/** ?models=a,b&overlay=a,b -> {models: [...]|null, overlay: [a, b]|null}. */
export function archState(search) {
  const params = new URLSearchParams(search);
  const list = (key) => (params.get(key) ? params.get(key).split(",").filter(Boolean) : null);
  const overlay = list("overlay");
  return { models: list("models"), overlay: overlay && overlay.length === 2 ? overlay : null };
}

export function archSearch(state) {
  const params = new URLSearchParams();
  if (state.models) params.set("models", state.models.join(","));
  if (state.overlay) params.set("overlay", state.overlay.join(","));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The overlay's two series of one count ("params" or "mults") over the conv and dense layers, x spread over [0, 1]. */
export function overlaySeries(a, b, key) {
  const series = (facts) => {
    // Only the layers holding weights (conv and dense, marked by the server): others would zigzag to zero.
    const layers = facts.layers.filter((l) => l.weighted);
    return layers.map((l, i) => ({ x: layers.length > 1 ? i / (layers.length - 1) : 0, y: l[key], name: l.name }));
  };
  return [series(a), series(b)];
}
