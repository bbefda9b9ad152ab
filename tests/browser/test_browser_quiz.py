"""The "Check yourself" panel in Debian's Chromium: answers checked, hints, the score, reload and links.

Right answers are computed here from the PyTorch module (out_channels, numel) and
typed in as a learner would; the server, not the page, says whether they are right.
"""

from __future__ import annotations

import re

import httpx
import pytest
from torch import nn

from tests.browser.conftest import wait_drawn

TOPICS = "filters,weights,traced-probability"
LINK = f"?model=default&image=sample_1&quiz=1&qseed=3&qtopics={TOPICS}"


@pytest.fixture
def quiz(server_url: str) -> dict:
    """The quiz the link names, as the server sends it (no answers)."""
    query = {"seed": 3, "topics": TOPICS, "image": "sample_1"}
    return httpx.get(f"{server_url}api/models/default/quiz", params=query, timeout=30).json()


def _question(quiz: dict, topic: str) -> dict:
    return next(q for q in quiz["questions"] if q["topic"] == topic)


def _conv(browser_app, layer: str) -> nn.Conv2d:
    network = browser_app.state.service.models.get("default")
    module = network.module.get_submodule(network.layer(layer).target)
    assert isinstance(module, nn.Conv2d)
    return module


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#quiz-panel[data-ready='true']", timeout=30_000)


def _answer(page, topic: str, text: str) -> None:
    item = page.locator(f".quiz-question[data-topic='{topic}']")
    item.locator(".quiz-input").fill(text)
    item.locator(".quiz-check").click()
    page.wait_for_function(
        "t => document.querySelector(`.quiz-question[data-topic='${t}'] .quiz-feedback`).textContent !== ''", arg=topic
    )


def _state(page, topic: str) -> str:
    return page.locator(f".quiz-question[data-topic='{topic}']").get_attribute("data-state")


def _score(page) -> str:
    return page.locator(".quiz-score").text_content()


def test_the_top_bar_button_opens_the_panel_with_a_quiz_about_the_model(page, server_url: str) -> None:
    page.goto(f"{server_url}?model=default&image=sample_1")
    wait_drawn(page, "default/sample_1")
    assert page.locator("#quiz-panel").is_hidden()
    page.click("#quiz-toggle")
    page.wait_for_selector("#quiz-panel[data-ready='true'] .quiz-question")
    assert "quiz=1" in page.url
    assert page.locator("#quiz-toggle").get_attribute("aria-expanded") == "true"
    assert page.locator(".quiz-question").count() > 20  # one question per topic that applies
    page.click(".quiz-close")
    assert page.locator("#quiz-panel").is_hidden() and "quiz=1" not in page.url
    assert page.errors == []


def test_a_right_answer_scores_and_shows_why_a_wrong_one_does_not(page, server_url: str, quiz, browser_app) -> None:
    _open(page, server_url + LINK)
    assert _score(page) == "Score 0 / 3"
    conv = _conv(browser_app, _question(quiz, "filters")["focus"]["layer"])
    _answer(page, "filters", f"{conv.out_channels} filters")
    assert _state(page, "filters") == "right"
    filters = page.locator(".quiz-question[data-topic='filters']")
    assert filters.locator(".quiz-feedback").text_content().startswith("Right")
    assert f"Answer: {conv.out_channels} filters" in filters.locator(".quiz-key").text_content()
    assert _score(page) == "Score 1 / 3"

    weights = _conv(browser_app, _question(quiz, "weights")["focus"]["layer"]).weight.numel()
    _answer(page, "weights", str(weights + 1))
    assert _state(page, "weights") == "wrong"
    assert page.locator(".quiz-question[data-topic='weights'] .quiz-key").count() == 0  # the key stays back
    assert _score(page) == "Score 1 / 3"
    _answer(page, "weights", f"{weights:,}")
    page.wait_for_function("() => document.querySelector('.quiz-score').textContent === 'Score 2 / 3'")
    assert page.errors == []


def test_another_unit_or_unreadable_input_says_so_in_the_panel(page, server_url: str, quiz, browser_app) -> None:
    _open(page, server_url + LINK)
    weights = _conv(browser_app, _question(quiz, "weights")["focus"]["layer"]).weight.numel()
    _answer(page, "weights", f"{weights} biases")
    feedback = page.locator(".quiz-question[data-topic='weights'] .quiz-feedback").text_content()
    assert "weights, not biases" in feedback and _state(page, "weights") == "wrong"
    _answer(page, "filters", "many")
    assert "Could not read" in page.locator(".quiz-question[data-topic='filters'] .quiz-feedback").text_content()
    assert _state(page, "filters") == "open" and _score(page) == "Score 0 / 3"


def test_a_hint_opens_the_view_where_the_answer_can_be_seen(page, server_url: str, quiz) -> None:
    _open(page, server_url + LINK)
    wait_drawn(page, "default/sample_1")
    layer = _question(quiz, "filters")["focus"]["layer"]
    page.click(".quiz-question[data-topic='filters'] .quiz-hint")
    page.wait_for_selector(".detail[data-view='conv'][data-ready='true']")
    assert f"layer={layer}" in page.url and "view=detail" in page.url
    assert layer in page.locator(".detail-title").text_content()
    assert page.locator("#quiz-panel").is_visible()  # the question stays beside its view

    probability = _question(quiz, "traced-probability")
    page.click(".quiz-question[data-topic='traced-probability'] .quiz-hint")
    page.wait_for_selector(".detail[data-view='softmax'][data-ready='true']")
    assert page.locator(".softmax-row.chosen").get_attribute("data-index") == str(probability["focus"]["channel"])

    page.click(".quiz-question[data-topic='weights'] .quiz-hint")  # layer facts: the layer selected on the overview
    page.wait_for_selector(".detail", state="hidden")
    weights_layer = _question(quiz, "weights")["focus"]["layer"]
    assert re.search(rf"layer={weights_layer}(&|$)", page.url) and "view=" not in page.url
    assert weights_layer in page.locator("#layer-info").text_content()
    assert page.errors == []


def test_a_reload_keeps_the_answers_their_verdicts_and_the_score(page, server_url: str, quiz, browser_app) -> None:
    _open(page, server_url + LINK)
    conv = _conv(browser_app, _question(quiz, "filters")["focus"]["layer"])
    _answer(page, "filters", str(conv.out_channels))
    _answer(page, "weights", "1")
    page.click(".quiz-question[data-topic='traced-probability'] .quiz-show")
    page.wait_for_selector(".quiz-question[data-topic='traced-probability'] .quiz-key")
    page.reload()
    page.wait_for_selector("#quiz-panel[data-ready='true']")
    assert _score(page) == "Score 1 / 3"
    assert page.locator(".quiz-question[data-topic='filters'] .quiz-input").input_value() == str(conv.out_channels)
    assert page.locator(".quiz-question[data-topic='weights'] .quiz-input").input_value() == "1"
    assert (_state(page, "filters"), _state(page, "weights"), _state(page, "traced-probability")) == (
        "right",
        "wrong",
        "revealed",
    )
    assert page.errors == []


def test_the_link_gives_another_browser_the_same_quiz_and_a_fresh_score(page, browser, server_url: str) -> None:
    _open(page, server_url + LINK)
    texts = page.locator(".quiz-text").all_text_contents()
    _answer(page, "weights", "1")
    other = browser.new_context(viewport={"width": 800, "height": 1000})
    try:
        elsewhere = other.new_page()
        _open(elsewhere, server_url + LINK)
        assert elsewhere.locator(".quiz-text").all_text_contents() == texts
        assert elsewhere.locator(".quiz-seed").input_value() == "3"
        assert _score(elsewhere) == "Score 0 / 3"  # progress belongs to the browser it was made in
        elsewhere.fill(".quiz-seed", "4")
        elsewhere.click(".quiz-apply")
        elsewhere.wait_for_url(re.compile(r"qseed=4"))
        elsewhere.wait_for_function("t => document.querySelector('.quiz-text').textContent !== t", arg=texts[0])
        assert elsewhere.locator(".quiz-text").all_text_contents() != texts
    finally:
        other.close()


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("qtopics=relu,nonsense", "unknown topic 'nonsense'; valid topics: input"),
        ("qseed=abc", "seed must be a whole number"),
    ],
)
def test_a_bad_link_shows_the_servers_message_in_the_panel(page, server_url: str, query: str, says: str) -> None:
    _open(page, f"{server_url}?model=default&image=sample_1&quiz=1&{query}")
    error = page.locator(".quiz-error")
    assert error.is_visible() and says in error.text_content()
    assert page.locator(".quiz-question").count() == 0
