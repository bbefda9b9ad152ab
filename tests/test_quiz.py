"""``convscope.quiz.generate``: every answer agrees with PyTorch on the module or a hand formula.

The models are the ones a course uses: the bundled default, CNN Explainer's
TinyVGG (imported from its TF.js files), and VGG-16 and ResNet-18 from the zoo
on 32×32 inputs (the layers and counts are those of the full-size networks; only
the maps are smaller).
"""

from __future__ import annotations

import json
import math
import re

import pytest
import torch
from torch import nn

from convscope.errors import ConvScopeError
from convscope.formats import resolve_model
from convscope.inputs import InputSpec
from convscope.network import Network
from convscope.quiz import TOPICS, generate
from tests.conftest import CNN_EXPLAINER
from tests.quiz_support import CHECKS, Recorded, expected, matches, record

SEEDS = (0, 1, 2)
ESSAYS = {name for name in TOPICS if name.startswith("explain-")}


def _cnn_explainer() -> Recorded:
    """TinyVGG from its TF.js files, with its sample images and the probabilities CNN Explainer computed for them."""
    if not CNN_EXPLAINER.is_dir():
        pytest.skip(f"shared fixture missing: {CNN_EXPLAINER}")
    from convscope.formats.importers import import_file

    expected = json.loads((CNN_EXPLAINER / "expected.json").read_text(encoding="utf-8"))
    imported = import_file(CNN_EXPLAINER / "model.json")
    network = Network(imported.module, imported.input_spec, expected["classes"], name="cnn-explainer")
    network.samples_dir = CNN_EXPLAINER / "images"
    return record(network, {name: e["probabilities"] for name, e in expected["images"].items()})


MODELS = {
    "default": lambda: record(resolve_model("default")),
    "cnn-explainer": _cnn_explainer,
    "vgg16": lambda: record(resolve_model("vgg16", input_size=32)),
    "resnet18": lambda: record(resolve_model("resnet18", input_size=32)),
}
#: Topics about a sample image's trace; zoo architectures (random weights, no samples) skip them.
TRACED = {"traced-probability", "traced-conv-value"}


@pytest.fixture(scope="module", params=sorted(MODELS))
def recorded(request):
    return MODELS[request.param]()


def test_every_numeric_topic_has_an_independent_check():
    assert set(CHECKS) == set(TOPICS) - ESSAYS


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_every_answer_agrees_with_pytorch_or_a_hand_formula(recorded, difficulty):
    checked = set()
    for seed in SEEDS:
        for q in generate(recorded.network, seed=seed, difficulty=difficulty, count=len(TOPICS) + 8):
            if q.kind == "essay":
                continue
            want = expected(q, recorded)
            assert matches(q, want), f"{q.id} (seed {seed}): {q.text!r} answers {q.answer!r}, PyTorch gives {want!r}"
            checked.add(q.topic)
    untraced = recorded.network.samples_dir is None
    assert checked == set(CHECKS) - (TRACED if untraced else set()), "every numeric topic that applies was checked"


def test_softmax_answers_are_within_a_millionth_of_torch(recorded):
    for seed in SEEDS:
        for q in generate(recorded.network, seed=seed, topics="softmax", count=3):
            assert abs(q.answer - expected(q, recorded)) < 1e-6


def test_the_explain_why_model_answer_uses_the_layers_own_weight_counts(recorded):
    for seed in SEEDS:
        (q,) = generate(recorded.network, seed=seed, topics="explain-convolution")
        layer = re.search(r"layer '([^']+)'", q.text).group(1)
        conv = recorded.module(layer)
        target = recorded.network.layer(layer).target
        dense = math.prod(recorded.inputs[target]) * math.prod(recorded.outputs[target])
        assert q.kind == "essay" and q.needs_human and q.tolerance is None
        assert f"= {conv.weight.numel():,} weights" in q.answer
        assert f"= {dense:,}," in q.answer
        assert "graded by a person" in q.text


def test_the_strict_rule_essay_states_the_left_over_pixels_and_pytorchs_size():
    network = resolve_model("default")
    for seed in SEEDS:
        (q,) = generate(network, seed=seed, topics="explain-strict-rule")
        k, s, size = (
            int(v) for v in re.search(r"A (\d+)×\d+ convolution with stride (\d+) .* a (\d+)×", q.text).groups()
        )
        out = torch.nn.functional.conv2d(torch.zeros(1, 1, size, size), torch.zeros(1, 1, k, k), stride=s).shape[-1]
        assert (size - k) % s != 0, "the essay is about a combination that leaves pixels over"
        assert f"output of {out}," in q.answer
        assert f"last {(size - k) % s} row" in q.answer


def test_each_question_has_the_fields_the_issue_asks_for_and_a_view():
    quiz = generate(resolve_model("default"), seed=5)
    views = {"overview", "conv", "pool", "activation", "linear", "softmax", "explorer", "layer facts"}
    for q in quiz:
        data = q.to_dict()
        assert {"id", "topic", "text", "answer", "tolerance", "view", "explanation"} <= set(data)
        assert q.view in views and q.explanation and q.text
        assert isinstance(q.answer, (int, float, str, list))
    assert len({q.id for q in quiz}) == len(quiz)
    assert [q.topic for q in quiz] == list(TOPICS), "one question per topic, in the registry's order"


def test_models_without_sample_images_skip_the_traced_topics_and_say_why():
    quiz = generate(resolve_model("resnet18", input_size=32), seed=0)
    assert set(quiz.skipped) == TRACED
    assert quiz.skipped["traced-probability"] == "the model has no sample images to trace"


def test_the_same_seed_gives_the_same_questions_and_another_seed_other_variants():
    network = resolve_model("default")
    first = generate(network, seed=11).to_dict()
    assert generate(network, seed=11).to_dict() == first
    texts = {q["text"] for q in first["questions"]}
    others = {q["text"] for q in generate(network, seed=12).to_dict()["questions"]}
    assert len(texts - others) >= len(texts) // 2, "a different seed changes most questions"


def test_a_topics_variant_does_not_depend_on_the_other_topics_asked():
    network = resolve_model("default")
    alone = generate(network, seed=4, topics=["relu"])[0]
    among = next(q for q in generate(network, seed=4) if q.topic == "relu")
    assert alone.text == among.text and alone.answer == among.answer


def test_count_makes_topics_take_turns_without_repeating_a_question():
    quiz = generate(resolve_model("default"), seed=0, topics="relu,softmax", count=6)
    assert [q.topic for q in quiz] == ["relu", "softmax"] * 3
    assert len({q.text for q in quiz}) == 6


def test_topics_accept_a_list_or_comma_separated_text_in_the_order_given():
    network = resolve_model("default")
    assert [q.topic for q in generate(network, topics="softmax, relu")] == ["softmax", "relu"]
    assert [q.topic for q in generate(network, topics=["weights"])] == ["weights"]


def test_an_unknown_topic_lists_the_valid_ones():
    with pytest.raises(ConvScopeError) as err:
        generate(resolve_model("default"), topics="relu,pooling")
    message = str(err.value)
    assert "'pooling'" in message and "\n" not in message
    assert all(name in message for name in TOPICS)


@pytest.mark.parametrize(
    ("options", "word"),
    [({"difficulty": "impossible"}, "difficulty"), ({"count": 0}, "count"), ({"seed": "x"}, "seed")],
)
def test_bad_options_are_one_line_errors(options, word):
    with pytest.raises(ConvScopeError, match=word):
        generate(resolve_model("default"), **options)


class _NoPooling(nn.Module):
    """A conv, a ReLU and a dense head: nothing to pool, no flatten module either."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(4 * 6 * 6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.relu(self.conv(x)).reshape(x.shape[0], -1))


def test_topics_that_do_not_apply_are_skipped_with_why_and_the_rest_still_asked():
    network = Network(_NoPooling(), InputSpec(1, 8, 8))
    quiz = generate(network, seed=0)
    assert {"pool-output-size", "pool-stride"} <= set(quiz.skipped)
    assert "no max or average pooling layer" in quiz.skipped["pool-output-size"]
    asked = {q.topic for q in quiz}
    assert {"filters", "weights", "relu", "softmax", "dense-weights"} <= asked
    assert not asked & set(quiz.skipped)
    data = quiz.to_dict()
    assert {"topic": "pool-stride", "reason": quiz.skipped["pool-stride"]} in data["skipped"]
    r = record(network)
    for q in quiz:
        if q.kind != "essay":
            assert matches(q, expected(q, r)), q.text


def test_asking_only_for_topics_that_do_not_apply_gives_an_empty_quiz_that_says_why():
    quiz = generate(Network(_NoPooling(), InputSpec(1, 8, 8)), topics="pool-output-size")
    assert len(quiz) == 0 and list(quiz.skipped) == ["pool-output-size"]
