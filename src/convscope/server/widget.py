"""The app's overview and detail views inside a notebook cell, as an anywidget (``pip install 'convscope[notebook]'``).

It lives beside the server because it *is* another way of serving the app: the
kernel holds the trace and sends the same payloads the routes send —
``model_detail`` JSON, ``trace_info`` JSON and ``layer_frames`` binary tensors as
traits, and the detail views' explanations, panels and tensors as answers to the
widget's custom messages (:mod:`convscope.server.widget_calls`). The front end
(``web/js/widget.js``) draws them with the web app's own ES modules
(``views/overview.js``, ``details.js`` and its views, …), handed over as source text
and linked in the browser, so no server process and no network are involved.

State lives in synced traits: ``w.view`` (``"overview"`` or ``"detail"``, or a view's
name such as ``"softmax"``), ``w.layer``, ``w.channel``, ``w.y``, ``w.x`` (also
``w.position``), ``w.input`` and ``w.scale`` can be read and set from Python; clicking
a map in the cell opens its detail view and sets them too. ``w.step`` explains the
selected value.

Example (in a notebook, ``convscope.widget(net, "boot.png")`` makes one from an image):

    >>> w = ConvScopeWidget(trace, layer="conv_1_1")
    >>> w.channel, w.position = 3, (5, 7)
    >>> w.step["output"] == float(trace.output("conv_1_1")[0, 3, 5, 7])
    True
"""

from __future__ import annotations

import logging
import re
from importlib.resources import files
from typing import Any

from convscope.errors import ConvScopeError, first_line
from convscope.layer_views import Display, layer_views
from convscope.network import Network
from convscope.run_input import RunInput
from convscope.server.payload import activity_order, layer_frames, model_detail, trace_info
from convscope.server.widget_calls import answer
from convscope.trace import Trace

try:
    import anywidget
    import traitlets
except ModuleNotFoundError as exc:  # pragma: no cover - exercised only without the extra
    raise ConvScopeError(
        f"the notebook widget needs the Python package {exc.name}; install it with: pip install 'convscope[notebook]'"
    ) from None

_LOG = logging.getLogger(__name__)
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
    """The overview of one trace and its detail views; the state is synced with Python."""

    _esm = traitlets.Unicode(_LOADER).tag(sync=True)
    _modules = traitlets.Dict().tag(sync=True)
    _css = traitlets.Unicode().tag(sync=True)
    _d3 = traitlets.Unicode().tag(sync=True)
    model_info = traitlets.Dict().tag(sync=True)
    trace_info = traitlets.Dict().tag(sync=True)
    layers_blob = traitlets.Bytes().tag(sync=True)
    #: ``overview``, ``detail`` (the selected layer's view) or a view's own name (``softmax``, ``formula``, …).
    view = traitlets.Unicode("overview").tag(sync=True)
    #: The selected layer ("" for none), its channel (a vector layer's unit) and the position in its map.
    #: None leaves the choice to the view, as in the app: a conv view without a position sweeps its output.
    layer = traitlets.Unicode("").tag(sync=True)
    channel = traitlets.Int(None, allow_none=True).tag(sync=True)
    y = traitlets.Int(None, allow_none=True).tag(sync=True)
    x = traitlets.Int(None, allow_none=True).tag(sync=True)
    #: The conv formula view's input channel.
    input = traitlets.Int(None, allow_none=True).tag(sync=True)
    #: ``unit``, ``block`` or ``global``, as the app's scale menu.
    scale = traitlets.Unicode("block").tag(sync=True)

    def __init__(self, trace: Trace, **state: Any) -> None:
        self.trace = trace
        network = trace.network
        super().__init__(
            _modules=module_sources(),
            _css=widget_css(),
            _d3=(WEB / "vendor" / "d3.min.js").read_text(encoding="utf-8"),
            model_info={**model_detail(network.name, network), "id": network.name},
            trace_info=trace_info(trace, model_id=network.name, image_id="notebook", source={}),
            layers_blob=first_page_frames(trace),
            **state,
        )
        self.on_msg(self._answer)

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

    @property
    def position(self) -> tuple[int | None, int | None]:
        """``(y, x)`` in the selected layer's map."""
        return self.y, self.x

    @position.setter
    def position(self, value: tuple[int | None, int | None]) -> None:
        y, x = value
        with self.hold_sync():
            self.y, self.x = y, x

    @property
    def step(self) -> dict[str, Any]:
        """The explanation of the selected value (``explain(...).to_dict()``), ``{}`` for none, or ``{"error": "…"}``."""
        if not self.layer:
            return {}
        try:
            return answer(self.trace, "explain", {"layer": self.layer, **self._where()})  # type: ignore[return-value]
        except ConvScopeError as exc:  # no explanation, or a position outside the layer: say so, keep the state
            return {"error": first_line(exc)}

    def _where(self) -> dict[str, int]:
        if self.trace.network.layer(self.layer).is_spatial:
            return {"channel": self.channel or 0, "y": self.y or 0, "x": self.x or 0}
        return {"index": self.channel or 0}

    def _answer(self, _widget: object, content: Any, buffers: list[bytes]) -> None:
        """Answer one of the front end's requests (``core/kernelapi.js``) with the server's payload for it."""
        if not isinstance(content, dict) or content.get("type") != "ask":
            return
        reply: dict[str, Any] = {"type": "answer", "id": content.get("id")}
        try:
            body = answer(self.trace, str(content.get("call")), content.get("args") or {})
        except ConvScopeError as exc:
            self.send({**reply, "error": first_line(exc)})
            return
        except Exception as exc:  # noqa: BLE001 - the view must not wait forever; the kernel's log keeps the traceback
            _LOG.exception("the widget could not answer %s", content.get("call"))
            self.send({**reply, "error": f"the kernel could not answer: {first_line(exc)}"})
            return
        if isinstance(body, bytes):
            self.send({**reply, "tensor": True}, buffers=[body])
        else:
            self.send({**reply, "body": body})


#: The app's style sheets the widget's views need, in the page's order, then the widget's own.
CSS_FILES = ("app.css", "details.css", "overview.css", "teaching.css", "bignet.css", "widget.css")
_PAGE_RULE = re.compile(r"^(?:body|main)\b[^{]*\{[^}]*\}\s*$", re.MULTILINE)


def widget_css() -> str:
    """The style sheets nested under ``.convscope-widget``, so that they style the cell and not the notebook.

    Rules for the page itself (``body``, ``main``) are left out: in a notebook the page is
    JupyterLab's or VS Code's. ``:root`` (the app's colours and font) becomes the widget's root.
    """
    parts = []
    for name in CSS_FILES:
        text = (WEB / "css" / name).read_text(encoding="utf-8")
        parts.append(_PAGE_RULE.sub("", text).replace(":root", "&"))
    return ".convscope-widget {\n" + "\n".join(parts) + "\n}\n"


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
    """The app's overview of ``image`` run through ``network``, with its detail views, in a notebook cell.

    Args:
        network: the model.
        image: anything :meth:`Network.run` takes (one input).
        state: initial ``view``, ``layer``, ``channel``, ``y``, ``x``, ``input``, ``scale``.
    """
    trace = network.run(image)
    if trace.batch_size != 1:
        raise ConvScopeError(f"the widget shows one input, got a batch of {trace.batch_size}; pass one image")
    return ConvScopeWidget(trace, **state)
