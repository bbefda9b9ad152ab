"""Top-k dataset examples equal a brute-force loop; two torchrun processes equal one; results are stored safely."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from convscope.data.imageset import ImageSet
from convscope.errors import ConvScopeError
from convscope.insight.receptive import ReceptiveFields
from convscope.insight.store import dataset_fingerprint, load_tops, model_fingerprint, save_tops, stored_datasets
from convscope.insight.topk import merge_tops, top_k, topk_layers
from convscope.insight.topk_report import layer_report
from tests.insight.helpers import default_network
from tests.requirements import needs_fashion_mnist

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("topk_worker.py")


@pytest.fixture(scope="module")
def net():
    return default_network()


@pytest.fixture(scope="module")
def images(net):
    generator = torch.Generator().manual_seed(0)
    pixels = torch.randint(0, 256, (37, 1, 28, 28), generator=generator, dtype=torch.uint8)
    return ImageSet(pixels, torch.zeros(37, dtype=torch.long), tuple(net.class_names))


def _brute_force(net, data, k):
    """One image at a time through Network.run; sort each channel's maxima by (value desc, index asc)."""
    from convscope.training.evaluation import normalize

    per_layer: dict[str, list[list[tuple[float, int, int, int]]]] = {}
    for i in range(len(data)):
        trace = net.run(normalize(data.images[i : i + 1], net.input_spec))
        for layer in topk_layers(net):
            out = trace.output(layer.name)[0]  # (C, H, W)
            channels = per_layer.setdefault(layer.name, [[] for _ in range(out.shape[0])])
            for c in range(out.shape[0]):
                flat = out[c].flatten()
                best = float(flat.max())
                where = int(torch.nonzero(flat == flat.max())[0])  # the first maximum in row-major order
                channels[c].append((best, i, where // out.shape[2], where % out.shape[2]))
    return {
        name: [sorted(ch, key=lambda t: (-t[0], t[1]))[:k] for ch in channels] for name, channels in per_layer.items()
    }


def test_top_k_equals_a_brute_force_loop_over_a_small_dataset(net, images):
    expected = _brute_force(net, images, 4)
    got = top_k(net, images, k=4, batch=10)
    assert set(got) == set(expected)
    for name, channels in expected.items():
        top = got[name]
        for c, rows in enumerate(channels):
            assert top.index[c].tolist() == [r[1] for r in rows], (name, c)
            assert top.y[c].tolist() == [r[2] for r in rows] and top.x[c].tolist() == [r[3] for r in rows]
            torch.testing.assert_close(top.values[c], torch.tensor([r[0] for r in rows]), rtol=1e-5, atol=1e-5)


def test_batch_size_and_splitting_into_shares_do_not_change_the_result(net, images):
    whole = top_k(net, images, k=5, batch=37)
    shares = [top_k(net, images, k=5, batch=4, rank=r, world_size=3) for r in range(3)]
    merged = merge_tops(shares, 5)
    for name, top in whole.items():
        assert torch.equal(merged[name].index, top.index), name
        torch.testing.assert_close(merged[name].values, top.values, rtol=1e-6, atol=1e-6)  # batch rounding only


def test_ties_go_to_the_lower_dataset_index(net):
    blank = ImageSet(torch.zeros(12, 1, 28, 28, dtype=torch.uint8), torch.zeros(12).long(), tuple(net.class_names))
    top = top_k(net, blank, k=3, batch=5)["relu_1_1"]
    assert top.index.tolist() == [[0, 1, 2]] * 16


def test_report_gives_each_example_its_receptive_field_box(net, images):
    tops = top_k(net, images, k=2, layers=["conv_2_1"])
    fields = ReceptiveFields.of(net)
    report = layer_report("conv_2_1", tops["conv_2_1"], fields, channels=[3])
    entry = report["channels"][0]["top"][0]
    assert report["layer"] == "conv_2_1" and report["channels"][0]["channel"] == 3
    assert set(entry) == {"index", "value", "y", "x", "box"}
    assert entry["box"] == list(fields.box("conv_2_1", entry["y"], entry["x"]))
    top, left, bottom, right = entry["box"]
    assert (bottom - top, right - left) == (10, 10)


def test_results_are_stored_as_safetensors_with_a_json_index_keyed_by_dataset(net, images, tmp_path):
    tops = top_k(net, images, k=3, layers=["conv_1_1", "max_pool_2"])
    fp = dataset_fingerprint(images)
    save_tops(tmp_path, fp, {"source": "random", "count": len(images), "k": 3, "model": model_fingerprint(net)}, tops)
    index = json.loads((tmp_path / "insight" / "topk.json").read_text())
    assert index["datasets"][fp]["layers"] == ["conv_1_1", "max_pool_2"]
    assert f"{fp}/conv_1_1/values" in load_file(tmp_path / "insight" / "topk.safetensors")
    again = load_tops(tmp_path, fp, net)
    assert again is not None and torch.equal(again["max_pool_2"].index, tops["max_pool_2"].index)
    assert list(stored_datasets(tmp_path, net)) == [fp]
    assert not list((tmp_path / "insight").glob(".*"))  # no temporary file left behind


def test_stored_results_of_other_weights_are_not_read(net, images, tmp_path):
    tops = top_k(net, images, k=2, layers=["conv_1_1"])
    fp = dataset_fingerprint(images)
    save_tops(tmp_path, fp, {"model": "0123456789abcdef"}, tops)
    assert load_tops(tmp_path, fp, net) is None


def test_a_dataset_of_another_shape_and_a_layer_without_maps_are_refused(net, images):
    wrong = ImageSet(torch.zeros(2, 3, 28, 28, dtype=torch.uint8), torch.zeros(2).long(), ("a",))
    with pytest.raises(ConvScopeError, match="3×28×28 but the model takes 1×28×28"):
        top_k(net, wrong)
    with pytest.raises(ConvScopeError, match="'flatten'"):
        top_k(net, images, layers=["flatten"])


@needs_fashion_mnist
@pytest.mark.slow
def test_two_torchrun_processes_give_the_same_result_as_one(net, tmp_path):
    from convscope.data.sources import load_dataset

    out = tmp_path / "merged.safetensors"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", str(WORKER)]
    done = subprocess.run([*command, str(out), "150"], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    merged = load_file(out)
    data = load_dataset("fashion-mnist", split="test", spec=net.input_spec).head(150)
    single = top_k(net, data, k=5, batch=64)
    for name, top in single.items():
        assert torch.equal(merged[f"{name}/index"], top.index), name
        assert torch.equal(merged[f"{name}/y"], top.y) and torch.equal(merged[f"{name}/x"], top.x)
        torch.testing.assert_close(merged[f"{name}/values"], top.values, rtol=1e-6, atol=1e-6)
