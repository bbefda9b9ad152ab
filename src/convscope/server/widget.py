"""The app's overview inside a notebook cell, as an anywidget (``pip install 'convscope[notebook]'``).

It lives beside the server because it *is* another way of serving the app: the
kernel holds the trace and sends the same payloads the routes send —
``model_detail`` JSON, ``trace_info`` JSON, ``layer_frames`` binary tensors and
``explain(...).to_dict()`` steps — and the front end (``web/js/widget.js``) draws
them with the web app's own ES modules (``views/overview.js``, ``core/scales.js``,
``core/tensor.js``, …), handed over as source text and linked in the browser, so
no server process and no network are involved.

State lives in synced traits: ``w.layer``, ``w.channel``, ``w.y``, ``w.x`` and
``w.scale`` can be read and set from Python; clicking a map in the cell sets them
too, and every change re-explains the chosen value (``w.step``).

Example (in a notebook, ``convscope.widget(net, "boot.png")`` makes one from an image):

    >>> w = ConvScopeWidget(trace, layer="conv_1_1")
    >>> w.channel, w.y, w.x = 3, 5, 7
    >>> w.step["output"] == float(trace.output("conv_1_1")[0, 3, 5, 7])
    True
"""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Any

from convscope.errors import ConvScopeError
from convscope.explain import NoExplanationError, explain
from convscope.layer_views import Display, layer_views
from convscope.network import Network
from convscope.run_input import RunInput
from convscope.server.payload import activity_order, layer_frames, model_detail, trace_info
from convscope.trace import Trace

try:
    import anywidget
    import traitlets
except ModuleNotFoundError as exc:  # pragma: no cover - exercised only without the extra
    raise ConvScopeError(
        f"the notebook widget needs the Python package {exc.name}; install it with: pip install 'convscope[notebook]'"
    ) from None

WEB = files("convscope") / "web"
#: The app's modules the widget links, found by following imports from these.
ENTRY_MODULES = ("js/widget.js",)
_IMPORT = re.compile(r"""^\s*(?:import|export)\s[^'"]*?from\s+["'](\.[^"']+)["']""", re.MULTILINE)
#: Maps drawn per layer: the overview's own default page size.
FIRST_CHANNELS = 16


def module_sources() -> dict[str, str]:
    """``{"js/views/overview.js": source, …}``: every module the widget's entry imports, transitively."""
    found: dict[str, str] = {}
    todo = list(ENTRY_MODULES)
    while todo:
        path = todo.pop()
        if path in found:
            continue
        text = (WEB / path).read_text(encoding="utf-8")
        found[path] = text
        base = path.rsplit("/", 1)[0]
        for spec in _IMPORT.findall(text):
            todo.append(_join(base, spec))
    return found


def _join(base: str, spec: str) -> str:
    parts = base.split("/")
    for piece in spec.split("/"):
        if piece == "..":
            parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


_LOADER = """
// Link the app's modules (sent as text) through blob: URLs, then run the widget's entry.
async function link(sources) {
  const urls = new Map();
  const pending = new Set(Object.keys(sources));
  const join = (base, spec) => {
    const parts = base.split("/");
    for (const piece of spec.split("/")) {
      if (piece === "..") parts.pop();
      else if (piece !== ".") parts.push(piece);
    }
    return parts.join("/");
  };
  const deps = (path) => [...sources[path].matchAll(/^\\s*(?:import|export)\\s[^'"]*?from\\s+["'](\\.[^"']+)["']/gm)].map((m) => join(path.split("/").slice(0, -1).join("/"), m[1]));
  while (pending.size) {
    const ready = [...pending].filter((p) => deps(p).every((d) => urls.has(d)));
    if (!ready.length) throw new Error("cyclic imports among the app's modules");
    for (const path of ready) {
      const base = path.split("/").slice(0, -1).join("/");
      const text = sources[path].replace(/(from\\s+["'])(\\.[^"']+)(["'])/g, (_, a, spec, b) => a + urls.get(join(base, spec)) + b);
      urls.set(path, URL.createObjectURL(new Blob([text], { type: "text/javascript" })));
      pending.delete(path);
    }
  }
  return urls;
}

async function ensureD3(source) {
  if (globalThis.d3) return;
  // The vendored UMD bundle defines globalThis.d3 when evaluated as a classic script.
  (0, eval)(source);
}

export default {
  async render({ model, el }) {
    await ensureD3(model.get("_d3"));
    const urls = await link(model.get("_modules"));
    const entry = await import(urls.get("js/widget.js"));
    return entry.render({ model, el, css: model.get("_css") });
  },
};
"""


class ConvScopeWidget(anywidget.AnyWidget):
    """The overview of one trace, with the selected value explained; state synced with Python."""

    _esm = traitlets.Unicode(_LOADER).tag(sync=True)
    _modules = traitlets.Dict().tag(sync=True)
    _css = traitlets.Unicode().tag(sync=True)
    _d3 = traitlets.Unicode().tag(sync=True)
    model_info = traitlets.Dict().tag(sync=True)
    trace_info = traitlets.Dict().tag(sync=True)
    layers_blob = traitlets.Bytes().tag(sync=True)
    #: The selected layer ("" for none), its channel and the position in its map.
    layer = traitlets.Unicode("").tag(sync=True)
    channel = traitlets.Int(0).tag(sync=True)
    y = traitlets.Int(0).tag(sync=True)
    x = traitlets.Int(0).tag(sync=True)
    #: ``unit``, ``block`` or ``global``, as the app's scale menu.
    scale = traitlets.Unicode("block").tag(sync=True)
    #: The explanation of the selected value (``explain(...).to_dict()``), or ``{"error": "…"}``.
    step = traitlets.Dict().tag(sync=True)

    def __init__(self, trace: Trace, **state: Any) -> None:
        self.trace = trace
        network = trace.network
        super().__init__(
            _modules=module_sources(),
            _css=(WEB / "css" / "app.css").read_text(encoding="utf-8"),
            _d3=(WEB / "vendor" / "d3.min.js").read_text(encoding="utf-8"),
            model_info={**model_detail(network.name, network), "id": network.name},
            trace_info=trace_info(trace, model_id=network.name, image_id="notebook", source={}),
            layers_blob=first_page_frames(trace),
            **state,
        )
        self.observe(self._explain, names=["layer", "channel", "y", "x"])
        self._explain()

    @traitlets.validate("scale")
    def _valid_scale(self, proposal: dict[str, Any]) -> str:
        value = str(proposal["value"])
        if value not in ("unit", "block", "global"):
            raise traitlets.TraitError(f"scale must be unit, block or global, not {value!r}")
        return value

    @traitlets.validate("layer")
    def _valid_layer(self, proposal: dict[str, Any]) -> str:
        value = str(proposal["value"])
        if value:
            self.trace.network.layer(value)  # NotFoundError names a few valid layers
        return value

    def _explain(self, change: object = None) -> None:
        if not self.layer:
            self.step = {}
            return
        layer = self.trace.network.layer(self.layer)
        where: dict[str, int] = (
            {"channel": self.channel, "y": self.y, "x": self.x} if layer.is_spatial else {"index": self.channel}
        )
        try:
            self.step = explain(self.trace, layer.name, **where).to_dict()
        except NoExplanationError as exc:
            self.step = {"error": str(exc)}
        except ConvScopeError as exc:  # a position outside this layer: say so in the cell, keep the state
            self.step = {"error": str(exc)}


def first_page_frames(trace: Trace) -> bytes:
    """Every drawn layer's maps as the overview's first page shows them: big layers' most active channels."""
    views = layer_views(trace.network)
    names, channels = [], []
    for layer in trace.network.layers:
        if views[layer.name].display is Display.HIDDEN:
            continue
        names.append(layer.name)
        many = layer.is_spatial and layer.output_shape[0] > FIRST_CHANNELS
        picked = activity_order(trace.channel_ranges(layer.name))[:FIRST_CHANNELS] if many else []
        channels.append(",".join(str(c) for c in picked))
    return layer_frames(trace, ",".join(names), channels=";".join(channels))


def widget(network: Network, image: RunInput, **state: Any) -> ConvScopeWidget:
    """The app's overview of ``image`` run through ``network``, in a notebook cell.

    Args:
        network: the model.
        image: anything :meth:`Network.run` takes (one input).
        state: initial ``layer``, ``channel``, ``y``, ``x``, ``scale``.
    """
    trace = network.run(image)
    if trace.batch_size != 1:
        raise ConvScopeError(f"the widget shows one input, got a batch of {trace.batch_size}; pass one image")
    return ConvScopeWidget(trace, **state)
