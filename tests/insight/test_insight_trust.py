"""The trust measures beside a map: sanity check, deletion/insertion curves, completeness."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from convscope.insight.attribution import attribute, baseline_of
from convscope.insight.trust import (
    SANITY_THRESHOLD,
    faithfulness,
    randomised_copy,
    rank_correlation,
    sanity_check,
    trust_report,
)
from tests.insight.helpers import boot, default_network


@pytest.fixture(scope="module")
def net():
    return default_network()


def _spearman_by_hand(a: np.ndarray, b: np.ndarray) -> float:
    def ranks(v: np.ndarray) -> np.ndarray:  # the mean position of each value among the sorted values
        s = np.sort(v)
        return np.array([np.mean(np.flatnonzero(s == value)) for value in v])

    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def test_rank_correlation_is_spearmans_rho_with_ties_sharing_their_mean_rank():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 5, 200).astype(float)  # many ties, as a Grad-CAM map's zeros
    b = a + rng.normal(0, 2, 200)
    assert rank_correlation(torch.tensor(a), torch.tensor(b)) == pytest.approx(_spearman_by_hand(a, b), abs=1e-12)
    assert rank_correlation(torch.tensor(a), torch.tensor(-a)) == pytest.approx(-1.0)


def test_randomised_copy_reinitialises_the_top_layers_and_leaves_the_original_alone(net):
    before = {k: v.clone() for k, v in net.module.state_dict().items()}
    twin, names = randomised_copy(net, top=2)
    assert names == ["output", "conv_2_2"]
    after = twin.module.state_dict()
    for key, value in net.module.state_dict().items():
        assert torch.equal(value, before[key])
        changed = key.split(".")[0] in names
        assert torch.equal(after[key], value) != changed, key


def test_sanity_check_correlates_the_map_with_the_same_method_on_the_randomised_model(net):
    x = boot(net)
    a = attribute(net, x, 9, "gradcam")
    check = sanity_check(net, x, a, seed=3)
    twin, _ = randomised_copy(net, seed=3)
    expected = rank_correlation(a.map, attribute(twin, x, 9, "gradcam").map)
    assert check.correlation == pytest.approx(expected)
    assert check.flagged == (check.correlation >= SANITY_THRESHOLD)
    assert len(check.randomised_layers) == 5  # every learnable layer: four convolutions and the classifier


def test_a_map_that_ignores_the_randomised_layer_is_flagged():
    # One feature map averaged to one number, scaled by the classifier: re-initialising the classifier only
    # rescales the gradient, so its ranking (and the saliency map) cannot change — the case the check exists for.
    from torch import nn

    from convscope.inputs import InputSpec
    from convscope.network import Network

    torch.manual_seed(0)
    module = nn.Sequential(nn.Conv2d(1, 1, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1, 2))
    network = Network(module, InputSpec(1, 12, 12))
    x = torch.rand(1, 1, 12, 12)
    check = sanity_check(network, x, attribute(network, x, 0, "gradient"), top=1)
    assert check.randomised_layers == ("4",)
    assert check.correlation == pytest.approx(1.0) and check.flagged


def test_deletion_and_insertion_curves_run_between_the_image_and_the_baseline(net):
    x = boot(net)
    f = faithfulness(net, x, attribute(net, x, 9, "integrated-gradients"), steps=8)
    with torch.no_grad():
        p_image = float(torch.softmax(net.module(x), 1)[0, 9])
        p_base = float(torch.softmax(net.module(baseline_of(x, "zeros")), 1)[0, 9])
    assert f.fractions[0] == 0 and f.fractions[-1] == 1 and len(f.fractions) == 9
    assert f.deletion[0] == pytest.approx(p_image, abs=1e-5) and f.deletion[-1] == pytest.approx(p_base, abs=1e-5)
    assert f.insertion[0] == pytest.approx(p_base, abs=1e-5) and f.insertion[-1] == pytest.approx(p_image, abs=1e-5)
    assert f.random_deletion[0] == pytest.approx(p_image, abs=1e-5)
    assert f.deletion_area == pytest.approx(np.trapezoid(f.deletion, f.fractions))


def test_integrated_gradients_on_the_trained_model_delete_faster_than_a_random_order(net):
    x = boot(net)
    f = faithfulness(net, x, attribute(net, x, 9, "integrated-gradients"))
    assert f.deletion_area < f.random_deletion_area
    assert f.insertion_area > f.random_insertion_area


def test_the_report_carries_completeness_for_integrated_gradients_only(net):
    x = boot(net)
    ig = trust_report(net, x, attribute(net, x, 9, "integrated-gradients", steps=16))
    assert set(ig) == {"sanity", "faithfulness", "completeness"}
    assert ig["completeness"]["error"] == pytest.approx(ig["completeness"]["sum"] - ig["completeness"]["difference"])
    assert "completeness" not in trust_report(net, x, attribute(net, x, 9, "gradient"))
