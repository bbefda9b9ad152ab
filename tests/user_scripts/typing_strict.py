"""A notebook user's script, checked by mypy --strict."""

from PIL import Image

import convscope
from convscope.explain import explain
from convscope.formats import resolve_model

net: convscope.Network = resolve_model("default")
summary: convscope.Summary = net.summary()
print(summary)
trace: convscope.Trace = net.run(Image.new("L", (28, 28)))
batch = net.run([Image.new("L", (28, 28)), b"not used"])
top: list[tuple[str, float]] = trace.top_classes(3)
step = explain(trace, "conv_1_1", channel=0, y=1, x=2, item=0)
value: float = step.output
figure = step.plot()
figure.savefig("step.png")
trace.plot_maps("conv_1_1", channels=[0, 1], scale="unit").savefig("maps.png")
trace.plot_overview().savefig("overview.png")
net.plot_filters("conv_1_1").savefig("filters.png")
layer: convscope.Layer = net.layer("conv_1_1")
spec: convscope.InputSpec = net.input_spec
print(repr(layer), spec.shape, value, top, batch.batch_size)
