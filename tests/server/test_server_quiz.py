"""``/api/models/{id}/quiz``: the app's questions without their answers, and verdicts checked on the server.

Right answers are computed here independently (PyTorch on the module, softmax of
the traced image's logits by torch) and typed in as a learner would.
"""

from __future__ import annotations

import httpx
import pytest
import torch
from torch import nn

from convscope.inputs import InputSpec, decode_image
from convscope.network import Network
from convscope.quiz import TOPICS
from convscope.server import create_app
from tests.server.live import live_server

QUIZ = "/api/models/gray/quiz"
CHECK = "/api/models/gray/quiz/check"


def _quiz(client: httpx.Client, **params) -> dict:
    response = client.get(QUIZ, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _ask(client: httpx.Client, quiz: dict, topic: str, answer: str, reveal: bool = False, **fields) -> dict:
    (question,) = [q for q in quiz["questions"] if q["topic"] == topic]
    body = {"id": question["id"], "answer": answer, "reveal": reveal, "seed": quiz["seed"], **fields}
    if quiz["topics"]:
        body["topics"] = ",".join(quiz["topics"])
    if quiz["image"]:
        body["image"] = quiz["image"]
    response = client.post(CHECK, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _gray(app) -> Network:
    return app.state.service.models.get("gray")


def test_the_quiz_sends_no_answer_and_no_explanation(client: httpx.Client) -> None:
    quiz = _quiz(client, seed=3, image="sample_1")
    assert len(quiz["questions"]) == len(TOPICS)
    for q in quiz["questions"]:
        assert "answer" not in q and "explanation" not in q
        assert set(q) == {
            "id",
            "topic",
            "text",
            "answer_type",
            "unit",
            "tolerance",
            "view",
            "focus",
            "needs_human_grader",
        }
    assert {t["name"] for t in quiz["valid_topics"]} == set(TOPICS)


def test_the_same_request_gives_the_same_quiz_and_another_seed_another(client: httpx.Client) -> None:
    first, again = _quiz(client, seed=5, image="sample_0"), _quiz(client, seed=5, image="sample_0")
    other = _quiz(client, seed=6, image="sample_0")
    assert first == again
    assert [q["text"] for q in first["questions"]] != [q["text"] for q in other["questions"]]


def test_a_right_count_is_right_and_brings_the_answer_and_why(client: httpx.Client, app) -> None:
    quiz = _quiz(client, seed=2, topics="weights")
    (q,) = quiz["questions"]
    module = _gray(app).module.get_submodule(_gray(app).layer(q["focus"]["layer"]).target)
    assert isinstance(module, nn.Conv2d)
    weights = module.weight.numel()  # PyTorch's own count
    verdict = _ask(client, quiz, "weights", f"{weights:,} weights")
    assert verdict["correct"] is True
    assert verdict["answer"] == str(weights) and str(weights) in verdict["explanation"].replace(",", "")


def test_a_wrong_answer_is_wrong_and_keeps_the_key_back(client: httpx.Client, app) -> None:
    quiz = _quiz(client, seed=2, topics="weights")
    module = _gray(app).module.get_submodule(_gray(app).layer(quiz["questions"][0]["focus"]["layer"]).target)
    verdict = _ask(client, quiz, "weights", str(module.weight.numel() + 1))
    assert verdict["correct"] is False and verdict["answer"] is None and verdict["explanation"] is None


def test_revealing_sends_the_answer_without_a_verdict(client: httpx.Client) -> None:
    quiz = _quiz(client, seed=2, topics="filters")
    verdict = _ask(client, quiz, "filters", "", reveal=True)
    assert verdict["correct"] is None and verdict["answer"] is not None and verdict["explanation"]


def test_a_unit_of_another_count_is_wrong(client: httpx.Client, app) -> None:
    quiz = _quiz(client, seed=2, topics="weights")
    module = _gray(app).module.get_submodule(_gray(app).layer(quiz["questions"][0]["focus"]["layer"]).target)
    verdict = _ask(client, quiz, "weights", f"{module.weight.numel()} biases")
    assert verdict["correct"] is False and "biases" in verdict["message"]


def test_the_probability_of_the_image_on_screen_checks_against_torch(client: httpx.Client, app) -> None:
    quiz = _quiz(client, seed=1, topics="traced-probability", image="sample_2")
    (q,) = quiz["questions"]
    assert q["text"].startswith("Look at the image on screen (the sample 'sample_2")
    assert q["focus"]["image"] == "sample_2" and q["unit"] == "probability"
    svc = app.state.service
    network = _gray(app)
    x = network.input_spec.preprocess(decode_image(svc.image_bytes("sample_2", "gray")))
    with torch.no_grad():
        p = torch.softmax(network.module.eval()(x)[0].double(), dim=0)[q["focus"]["channel"]].item()
    assert _ask(client, quiz, "traced-probability", f"{p:.4f}")["correct"] is True
    assert _ask(client, quiz, "traced-probability", f"{100 * p:.2f}%")["correct"] is True
    wrong = p + 0.01 if p < 0.5 else p - 0.01
    assert _ask(client, quiz, "traced-probability", f"{wrong:.4f}")["correct"] is False


def test_a_relu_vector_checks_against_torch_relu(client: httpx.Client) -> None:
    quiz = _quiz(client, seed=4, topics="relu")
    text = quiz["questions"][0]["text"]
    values = [float(v) for v in text[text.index("[") + 1 : text.index("]")].split(",")]
    out = torch.relu(torch.tensor(values, dtype=torch.float64)).tolist()
    assert _ask(client, quiz, "relu", ", ".join(f"{v:g}" for v in out))["correct"] is True
    assert _ask(client, quiz, "relu", ", ".join(f"{v:g}" for v in values))["correct"] is False


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"topics": "relu,bogus"}, 400, "valid topics: input, output-units"),
        ({"seed": "abc"}, 400, "seed must be a whole number"),
        ({"seed": "-1"}, 400, "seed must be a whole number"),
        ({"seed": "1" * 12}, 400, "seed must be a whole number"),
        ({"count": "0"}, 400, "count must be a whole number"),
        ({"difficulty": "brutal"}, 400, "difficulty 'brutal' is not one of easy, medium, hard"),
        ({"image": "no-such-image"}, 404, "unknown image"),
    ],
)
def test_bad_quiz_requests_are_a_4xx_with_one_line(client: httpx.Client, params, status, says) -> None:
    response = client.get(QUIZ, params=params)
    assert response.status_code == status
    assert says in response.json()["detail"] and "\n" not in response.json()["detail"]


def test_an_unknown_model_is_a_404(client: httpx.Client) -> None:
    assert client.get("/api/models/nope/quiz").status_code == 404


def test_checking_a_question_the_quiz_does_not_have_is_a_404(client: httpx.Client) -> None:
    response = client.post(CHECK, json={"id": "q99-relu", "answer": "1", "seed": 0, "topics": "relu"})
    assert response.status_code == 404 and "no question 'q99-relu'" in response.json()["detail"]


@pytest.mark.parametrize(
    "body", [{"answer": "1"}, {"id": "q01-relu", "answer": 3}, {"id": "q01-relu", "surprise": True}, {"id": "x" * 200}]
)
def test_a_malformed_check_is_a_422(client: httpx.Client, body) -> None:
    response = client.post(CHECK, json=body)
    assert response.status_code == 422 and response.json()["detail"].startswith("invalid request")


class _NoPooling(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(4 * 6 * 6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.relu(self.conv(x)).reshape(x.shape[0], -1))


def test_a_model_without_pooling_gets_the_topics_that_apply_and_the_panel_hears_which_were_skipped() -> None:
    torch.manual_seed(0)
    network = Network(_NoPooling(), InputSpec(1, 8, 8), name="plain")
    with live_server(create_app({"plain": network})) as url, httpx.Client(base_url=url, timeout=30) as client:
        quiz = client.get("/api/models/plain/quiz").json()
    skipped = {s["topic"]: s["reason"] for s in quiz["skipped"]}
    assert {"pool-output-size", "pool-stride"} <= set(skipped)
    assert "no max or average pooling layer" in skipped["pool-output-size"]
    asked = {q["topic"] for q in quiz["questions"]}
    assert {"input", "filters", "weights", "relu", "softmax", "dense-weights"} <= asked
    assert not asked & set(skipped)
    assert len(asked) + len(skipped) == len(TOPICS)
