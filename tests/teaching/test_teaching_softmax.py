"""The softmax as shown: terms that add to the shown sum, divisions that give the shown probabilities, the shift when needed."""

from __future__ import annotations

import math
import random
from decimal import Decimal

import pytest
import torch

from convscope.explain import explain_probabilities
from convscope.formats import zoo_network
from convscope.teaching.numbers import fixed, readding_decimals
from convscope.teaching.softmax_shown import softmax_shown


def _d(text: str) -> Decimal:
    return Decimal(text.replace("−", "-"))


def _checks(shown: dict) -> bool:
    terms = [_d(t) for t in shown["term_texts"]]
    total = _d(shown["sum_text"])
    probs = [_d(p) for p in shown["probability_texts"]]
    quantum = Decimal(1).scaleb(-shown["probability_decimals"])
    return sum(terms) == total and all((t / total).quantize(quantum) == p for t, p in zip(terms, probs, strict=True))


@pytest.mark.parametrize("seed", range(40))
def test_shown_terms_re_add_and_divide_or_a_note_says_why(seed: int) -> None:
    rng = random.Random(seed)
    logits = [rng.gauss(0, 3) for _ in range(rng.choice([3, 10, 20]))]
    shown = softmax_shown(logits)
    assert shown["shift"] == 0 and shown["basis"] == "exp(z)"
    # The terms are exp of the real logits, as PyTorch computes them.
    torch.testing.assert_close(
        torch.tensor(shown["terms"], dtype=torch.float64), torch.tensor(logits, dtype=torch.float64).exp()
    )
    if shown["readds"]:
        assert _checks(shown) and sum(_d(p) for p in shown["probability_texts"]) == 1
    else:
        assert any(note.startswith("Rounding") for note in shown["notes"])


def test_most_logit_vectors_get_a_precision_that_checks() -> None:
    rng = random.Random(7)
    results = [softmax_shown([rng.gauss(0, 2) for _ in range(10)])["readds"] for _ in range(200)]
    assert sum(results) >= 170  # the rest show their rounding instead


def test_logits_whose_exp_overflows_float32_are_shifted_by_the_largest_with_the_reason() -> None:
    shown = softmax_shown([100.0, 99.0, 50.0])
    assert shown["shift"] == 100.0 and shown["basis"] == "exp(z − m)"
    assert math.isclose(shown["terms"][0], 1.0) and "too large for float32" in shown["notes"][0]
    p = torch.softmax(torch.tensor([100.0, 99.0, 50.0], dtype=torch.float64), 0)
    assert [float(v) for v in shown["probability_texts"]] == pytest.approx(p.tolist(), abs=1e-3)


def test_the_explain_payload_carries_the_shown_softmax_of_the_traced_logits() -> None:
    network = zoo_network("tinyvgg", seed=3)
    trace = network.run(torch.rand(1, 3, 64, 64))
    step = explain_probabilities(trace).to_dict()
    assert step["shown"]["terms"] == pytest.approx(torch.tensor(step["logits"], dtype=torch.float64).exp().tolist())
    assert step["shown"]["sum"] == pytest.approx(sum(step["shown"]["terms"]))


def test_readding_decimals_takes_the_fewest_that_re_add() -> None:
    assert readding_decimals([0.124, 0.124], 0.248) == (3, True)
    assert readding_decimals([0.5, 0.25], 0.75) == (2, True)
    assert fixed(-0.004, 2) == "0.00" and fixed(-1.5, 1) == "−1.5" and fixed(None, 2) == "–"
