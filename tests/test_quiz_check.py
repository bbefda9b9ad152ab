"""``convscope.quiz.check``: typed answers read as a person means them, compared within the tolerance, units read.

Also what the app needs from each question: the unit it counts in, where the
answer is seen (``focus``), and questions about the image on the learner's screen.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from convscope.formats import resolve_model
from convscope.inputs import load_image
from convscope.layer_views import layer_views
from convscope.quiz import TOPICS, Question, generate
from convscope.quiz.answers import answer_text
from convscope.quiz.check import check
from convscope.quiz.question import ShownImage
from convscope.quiz.traced_topics import samples
from convscope.types import ACTIVATION_KINDS, LayerKind


def _q(answer, *, kind="numeric", unit="", tolerance=0):
    return Question("q01-x", "x", "…", answer, tolerance, "conv", "…", kind=kind, unit=unit)


@pytest.fixture(scope="module")
def default():
    return resolve_model("default")


@pytest.mark.parametrize("typed", ["2430", "2,430", "2 430", "2430 weights", "2430weights", "2430 weight", " 2430.0 "])
def test_a_count_is_right_with_or_without_its_unit_and_with_thousands_separators(typed):
    assert check(_q(2430, unit="weights"), typed).correct is True


def test_a_count_in_another_unit_is_wrong_and_the_verdict_names_both():
    verdict = check(_q(2430, unit="weights"), "2430 biases")
    assert verdict.correct is False
    assert "weights" in verdict.message and "biases" in verdict.message


@pytest.mark.parametrize("typed", ["", "  ", "lots", "24,30", "2430 apples", "2430 weights please"])
def test_unreadable_input_is_not_graded_and_says_what_to_type(typed):
    verdict = check(_q(2430, unit="weights"), typed)
    assert verdict.correct is None and verdict.message


def test_an_exact_count_one_off_is_wrong():
    assert check(_q(2430, unit="weights"), "2431").correct is False


@pytest.mark.parametrize(
    ("typed", "right"),
    [
        ("0.659", True),
        ("0.66", True),
        ("65.9%", True),
        ("65.9 %", True),
        (".6585", True),
        ("0.657", False),
        ("66.1%", False),
    ],
)
def test_a_probability_reads_as_a_fraction_or_a_percentage_within_the_tolerance(typed, right):
    assert check(_q(0.659001, unit="probability", tolerance=0.001), typed).correct is right


def test_a_probability_above_one_is_not_graded_but_explained():
    verdict = check(_q(0.659001, unit="probability", tolerance=0.001), "65.9")
    assert verdict.correct is None and "65.9%" in verdict.message


def test_a_percentage_is_not_read_for_a_count():
    assert check(_q(10, unit="filters"), "10%").correct is not True


@pytest.mark.parametrize("typed", ["0, 2.5, 0", "[0, 2.5, 0]", "0 2.5 0", "0; 2.5; 0", "-0, 2.5, 0.0", "(0,2.5,0)"])
def test_a_list_reads_commas_spaces_semicolons_and_brackets(typed):
    assert check(_q([0.0, 2.5, 0.0], kind="list"), typed).correct is True


@pytest.mark.parametrize("typed", ["24×24", "24 x 24", "24x24", "24 * 24", "24, 24 pixels", "24×24 px"])
def test_a_size_reads_times_signs_and_its_unit(typed):
    assert check(_q([24, 24], kind="list", unit="pixels"), typed).correct is True


def test_a_list_with_a_value_dropped_is_wrong_and_says_how_many_were_wanted():
    verdict = check(_q([0.0, 2.5, 0.0], kind="list"), "2.5")
    assert verdict.correct is False and "3" in verdict.message


def test_a_list_with_one_value_off_is_wrong_and_the_unicode_minus_is_a_minus():
    assert check(_q([0.0, 2.5, 0.0], kind="list"), "0, −2.5, 0").correct is False
    assert check(_q([-1.5], kind="list"), "−1.5").correct is True


@pytest.mark.parametrize(
    ("typed", "right"),
    [("false", True), ("False", True), ("no", True), ("invalid", True), ("true", False), ("yes", False)],
)
def test_true_or_false_reads_the_usual_words(typed, right):
    assert check(_q("false", kind="truefalse"), typed).correct is right


def test_true_or_false_refuses_other_words_without_grading():
    assert check(_q("false", kind="truefalse"), "maybe").correct is None


def test_a_free_text_answer_is_never_graded_by_the_program():
    assert check(_q("a model answer", kind="essay"), "a model answer").correct is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_answer_in_the_key_checks_right_and_a_nudged_one_wrong(default, seed):
    for q in generate(default, seed=seed, count=len(TOPICS) + 4):
        if q.kind == "essay":
            continue
        assert check(q, answer_text(q.answer)).correct is True, q
        if q.kind == "numeric":
            nudged = q.answer + 2 * (q.tolerance or 0) + (1 if q.unit != "probability" else 0.01)
            assert check(q, answer_text(nudged) if q.unit != "probability" or nudged <= 1 else "0").correct is False, q


def test_every_answer_typed_with_its_own_unit_checks_right(default):
    for seed in range(3):
        for q in generate(default, seed=seed):
            if q.unit and q.unit != "probability":
                assert check(q, f"{answer_text(q.answer)} {q.unit}").correct is True, q


#: The layer kinds whose own view shows each question view's answer.
VIEW_KINDS = {
    "conv": {LayerKind.CONV2D},
    "pool": {LayerKind.MAXPOOL2D, LayerKind.AVGPOOL2D},
    "activation": set(ACTIVATION_KINDS),
    "linear": {LayerKind.LINEAR},
}


@pytest.mark.parametrize("name", ["default", "resnet18"])
def test_each_question_focuses_a_layer_of_the_model_whose_view_shows_its_answer(name):
    network = resolve_model(name, input_size=32) if name == "resnet18" else resolve_model(name)
    views = layer_views(network)
    for seed in range(3):
        for q in generate(network, seed=seed, count=len(TOPICS) + 4):
            layer = q.focus.layer
            if q.view == "explorer":
                assert q.focus.explorer is not None and layer is None, q
                continue
            if q.view == "overview":
                continue
            assert layer is not None, q
            kind = network.layer(layer).kind
            if q.view == "softmax":
                assert layer == network.logits_layer, q
            elif q.view == "layer facts":
                assert kind is LayerKind.CONV2D, q
            else:
                assert kind in VIEW_KINDS[q.view], q
                assert views[layer].to_dict()["view"] == q.view, q  # the app opens that layer in this view
            if q.focus.channel is not None and q.view != "softmax":
                c, h, w = network.layer(layer).output_shape
                assert 0 <= q.focus.channel < c and 0 <= q.focus.y < h and 0 <= q.focus.x < w, q


def test_questions_about_a_trace_ask_about_the_image_on_screen(default):
    sample = samples(default)[5]
    x = default.input_spec.preprocess(load_image(str(sample.path)))
    shown = ShownImage(default.run(x), "the sample 'it'", sample.id, sample.class_index)
    for seed in range(3):
        quiz = generate(default, seed=seed, topics="traced-probability,traced-conv-value", image=shown)
        probability, conv = quiz
        assert probability.text.startswith("Look at the image on screen (the sample 'it').")
        assert probability.focus.image == conv.focus.image == sample.id
        with torch.no_grad():  # PyTorch on the module, not the trace
            expected = torch.softmax(default.module.eval()(x)[0].double(), dim=0)[sample.class_index].item()
        assert abs(probability.answer - expected) < 1e-6
        assert probability.focus.channel == sample.class_index
        seen = []
        module = default.module.get_submodule(default.layer(conv.focus.layer).target)
        assert isinstance(module, nn.Conv2d)
        handle = module.register_forward_hook(lambda m, a, out, seen=seen: seen.append(out))
        with torch.no_grad():
            default.module(x)
        handle.remove()
        f = conv.focus
        assert abs(conv.answer - seen[0][0, f.channel, f.y, f.x].item()) < 1e-5


def test_without_an_image_on_screen_the_questions_name_a_sample_as_before(default):
    (q,) = generate(default, seed=1, topics="traced-probability")
    assert q.text.startswith("Open the sample image '") and q.focus.image is not None
