"""Plot helpers return Figures drawn headless with the web app's colours and the library's numbers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure

from convscope.colour import Scales, paint
from convscope.errors import ConvScopeError
from convscope.explain import explain
from convscope.formats import resolve_model


@pytest.fixture(scope="module")
def trace():
    net = resolve_model("default")
    return net.run(sorted(net.samples_dir.glob("*.png"))[3])


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


@pytest.mark.parametrize("scale", ["unit", "block", "global"])
def test_plot_maps_draws_each_map_painted_as_the_app_paints_it(trace, scale):
    fig = trace.plot_maps("conv_1_2", channels=[0, 3], scale=scale)
    scales = Scales(trace)
    drawn = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in drawn] == ["channel 0", "channel 3"]
    for ax, c in zip(drawn, [0, 3], strict=True):
        expected = paint(trace.output("conv_1_2", 0)[c].numpy(), scales.domain(scale, "conv_1_2", c))
        assert np.array_equal(np.asarray(ax.images[0].get_array()), expected)
    assert _png(fig).startswith(b"\x89PNG")


def test_plot_overview_has_a_column_per_map_layer_and_the_probabilities(trace):
    fig = trace.plot_overview()
    spatial = [layer.name for layer in trace.network.layers if layer.is_spatial]
    titles = [ax.get_title() for ax in fig.axes if ax.images and ax.get_title()]
    assert titles == spatial
    bars = [ax for ax in fig.axes if ax.patches][0]
    top_name, top_p = trace.top_classes(1)[0]
    assert bars.get_yticklabels()[-1].get_text() == top_name
    assert bars.patches[-1].get_width() == pytest.approx(top_p)
    assert _png(fig).startswith(b"\x89PNG")


def test_step_plot_shows_window_kernel_and_products_of_the_explanation(trace):
    step = explain(trace, "conv_1_2", channel=2, y=5, x=6)
    fig = step.plot()
    assert len(fig.axes) == 3 * len(step.terms)
    first = fig.axes[2]  # the products of input channel 0, each value written in its cell
    written = [float(t.get_text()) for t in first.texts]
    assert written == pytest.approx([float(f"{v:.2g}") for v in step.terms[0].products.reshape(-1).tolist()])
    assert f"{step.computed:.4g}" in fig.texts[0].get_text()
    for layer, where in (("max_pool_1", {"channel": 0, "y": 1, "x": 1}), ("relu_1_1", {"channel": 0, "y": 1, "x": 1})):
        assert _png(explain(trace, layer, **where).plot()).startswith(b"\x89PNG")
    assert _png(explain(trace, trace.network.logits_layer, index=1).plot()).startswith(b"\x89PNG")


def test_plot_filters_draws_every_kernel_on_one_diverging_scale(trace):
    net = trace.network
    fig = net.plot_filters("conv_1_1")
    weight = net.layer("conv_1_1").module.weight.detach()
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(drawn) == weight.shape[0] * weight.shape[1]
    m = float(weight.abs().max())
    from convscope.colour import Domain

    assert np.array_equal(
        np.asarray(drawn[0].images[0].get_array()), paint(weight[0, 0].numpy(), Domain("diverging", -m, m))
    )


def test_plot_helpers_refuse_bad_layers_and_channels_in_one_line(trace):
    for call, words in (
        (lambda: trace.plot_maps("conv_1_1", channels=[99]), "channel 99 is outside"),
        (lambda: trace.plot_maps(trace.network.logits_layer), "not maps"),
        (lambda: trace.network.plot_filters("relu_1_1"), "not a conv2d"),
        (lambda: trace.plot_maps("conv_1_1", item=1), "batch index 1"),
    ):
        with pytest.raises(ConvScopeError, match=words):
            call()


def test_plots_need_no_display_and_never_import_pyplot():
    import os
    import subprocess
    import sys

    code = (
        "import sys, io, torch; from convscope.formats import resolve_model; "
        "t = resolve_model('default').run(torch.zeros(1, 1, 28, 28)); "
        "t.plot_overview().savefig(io.BytesIO(), format='png'); "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND", "WAYLAND_DISPLAY")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "False"
