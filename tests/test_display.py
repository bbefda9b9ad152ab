"""Reprs are one screen, HTML is escaped, and the public names resolve at run time."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing

import pytest
import torch
from torch import nn

import convscope
import convscope.explain
from convscope.explain import explain, explain_probabilities, intermediate_maps
from convscope.formats import resolve_model, zoo_network
from convscope.inputs import InputSpec
from convscope.network import Network


@pytest.fixture(scope="module")
def trace():
    net = resolve_model("default")
    return net.run(sorted(net.samples_dir.glob("*.png"))[0])


def test_plain_reprs_are_one_line_and_name_what_matters(trace):
    net = trace.network
    texts = {
        "network": repr(net),
        "trace": repr(trace),
        "layer": repr(net.layer("conv_1_1")),
        "spec": repr(net.input_spec),
        "conv step": repr(explain(trace, "conv_1_1", channel=0, y=3, x=4)),
        "linear step": repr(explain(trace, net.logits_layer, index=2)),
        "softmax": repr(explain_probabilities(trace)),
    }
    for what, text in texts.items():
        assert "\n" not in text and len(text) < 200, what
    assert f"{net.total_params:,} parameters" in texts["network"]
    top_name, top_p = trace.top_classes(1)[0]
    assert f"{top_name} {top_p:.3f}" in texts["trace"]
    assert texts["conv step"].startswith("ConvStep(conv_1_1[c=0, y=3, x=4] = ")


def test_a_step_repr_is_short_instead_of_a_dump_of_tensors(trace):
    step = explain(trace, "conv_1_2", channel=0, y=3, x=4)
    assert len(repr(step)) < 200 and "tensor(" not in repr(step)


def test_summary_prints_the_full_table_and_its_repr_fits_a_screen():
    net = zoo_network("resnet18")
    summary = net.summary()
    assert len(str(summary).splitlines()) == len(net.layers) + 5  # title, header, rule, rows, rule, totals
    lines = repr(summary).splitlines()
    assert len(lines) <= 40 and any("more layers" in line for line in lines)
    assert lines[-1] == str(summary).splitlines()[-1]  # the totals stay


def test_html_reprs_escape_names_from_model_files():
    class Tiny(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3)
            self.fc = nn.Linear(2 * 4 * 4, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(self.conv(x).flatten(1))

    net = Network(Tiny(), InputSpec(1, 6, 6), class_names=["<b>cat</b>", "dog & co"], name="<script>x</script>")
    trace = net.run(torch.rand(1, 1, 6, 6))
    for html in (net._repr_html_(), trace._repr_html_()):
        assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>cat</b>" not in trace._repr_html_() and "&lt;b&gt;cat&lt;/b&gt;" in trace._repr_html_()


def test_html_reprs_show_the_summary_totals_and_a_strip_of_maps(trace):
    net = trace.network
    assert f"{net.total_params:,}" in net._repr_html_()
    html = trace._repr_html_()
    spatial = [layer.name for layer in net.layers if layer.is_spatial]
    assert html.count("data:image/png;base64,") == len(spatial)
    step_html = explain(trace, "conv_1_1", channel=0, y=3, x=4)._repr_html_()
    assert all(word in step_html for word in ("window", "kernel", "products", "bias", "total"))


def _public_callables():
    modules = [convscope, convscope.explain]
    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj):
                yield f"{module.__name__}.{name}", obj
                for attr, member in vars(obj).items():
                    if not attr.startswith("_") and inspect.isfunction(member):
                        yield f"{module.__name__}.{name}.{attr}", member
            elif callable(obj):
                yield f"{module.__name__}.{name}", obj
    yield "convscope.explain.intermediate_maps", intermediate_maps


@pytest.mark.parametrize(("name", "obj"), list(_public_callables()), ids=lambda v: v if isinstance(v, str) else "")
def test_type_hints_of_every_public_function_resolve_at_run_time(name, obj):
    typing.get_type_hints(obj)


@pytest.mark.parametrize("first", ["convscope.trace", "convscope.network", "convscope.summary", "convscope.explain"])
def test_any_module_can_be_imported_first(first):
    code = f"import {first}, typing, convscope.trace as t; typing.get_type_hints(t.Trace.__init__)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_py_typed_ships_with_the_package():
    from importlib.resources import files

    assert files("convscope").joinpath("py.typed").is_file()
