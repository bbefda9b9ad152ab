"""What a quiz is made of: questions, the topics that write them, and the quiz itself.

A topic is a function of a :class:`Context` (the network, a seeded random
generator, the difficulty) that returns one :class:`Question`, or raises
:class:`NotApplicable` when the model has nothing it could ask about (no
pooling layer, no flatten). Topics compute nothing themselves: every answer
comes from :mod:`convscope.arithmetic`, the :class:`~convscope.network.Network`'s
layer records or :mod:`convscope.calc`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from convscope.network import Layer, Network
from convscope.trace import Trace

#: A number, a list of numbers, or text (true/false statements and model answers).
Answer = int | float | list[int] | list[float] | str

DIFFICULTIES = ("easy", "medium", "hard")

#: How the answer is checked: one number, a list of numbers, true/false, or a person reading it.
KINDS = ("numeric", "list", "truefalse", "essay")


@dataclass(frozen=True)
class Focus:
    """Where in the app the answer can be read: a layer and one of its units, an image, the explorer's settings.

    The app turns it into its own state (``view`` says which view; this says what it shows):
    ``Focus(layer="conv_1_1", channel=2, y=5, x=7)`` opens that unit of that layer.
    """

    layer: str | None = None
    channel: int | None = None
    y: int | None = None
    x: int | None = None
    #: The id of the sample image the question is about (the app opens it).
    image: str | None = None
    #: The hyperparameter explorer's settings: size, kernel, stride, padding, mode ("conv" or "pool").
    explorer: dict[str, Any] | None = None


@dataclass(frozen=True)
class Question:
    """One question with its answer, where the app shows it, and why."""

    id: str
    topic: str
    text: str
    answer: Answer
    #: Accepted absolute difference for numbers; ``0`` for exact counts; ``None`` when not numeric.
    tolerance: float | None
    #: The view of the app where the answer can be read: "overview", "conv", "pool", …
    view: str
    explanation: str
    kind: str = "numeric"
    #: What the number counts ("weights", "values"…); "" for sizes, values and text. A probability also reads as a percentage.
    unit: str = ""
    focus: Focus = field(default_factory=Focus)

    @property
    def needs_human(self) -> bool:
        """Free-text questions: the answer is a model answer for a person to grade against."""
        return self.kind == "essay"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "needs_human_grader": self.needs_human}


class NotApplicable(Exception):  # noqa: N818 - it is a verdict about a model, not an error
    """A topic has nothing to ask about this model; the message says why."""


@dataclass(frozen=True)
class ShownImage:
    """The image on the learner's screen: questions about a traced image ask about it instead of a sample."""

    trace: Trace
    #: How a question names it: "the sample 'bag_0.png'", "your uploaded image".
    name: str
    #: Its id in the app (a sample's id or an upload's SHA-256), so a hint can open it.
    id: str
    #: Its true class when known (a labelled sample); else questions ask about the predicted one.
    class_index: int | None = None


@dataclass(frozen=True)
class Context:
    """What a topic reads: the model, its own seeded generator and the difficulty."""

    network: Network
    rng: random.Random
    difficulty: str
    #: Work one quiz shares between its topics and rounds (the trace of a sample image), dropped with the quiz.
    shared: dict[Any, Any] = field(default_factory=dict)
    #: The image on screen when the app asks; ``None``: questions about a traced image pick a sample.
    image: ShownImage | None = None

    def pick(self, layers: list[Layer], what: str) -> Layer:
        """One of ``layers``: the first on easy (the one a course starts with), any of them otherwise."""
        if not layers:
            raise NotApplicable(f"the model has no {what}")
        return layers[0] if self.difficulty == "easy" else self.rng.choice(layers)

    def level(self, easy: Any, medium: Any, hard: Any) -> Any:
        return {"easy": easy, "medium": medium, "hard": hard}[self.difficulty]


@dataclass(frozen=True)
class Draft:
    """A topic's question before the quiz numbers it."""

    text: str
    answer: Answer
    view: str
    explanation: str
    tolerance: float | None = 0
    kind: str = "numeric"
    unit: str = ""
    focus: Focus = field(default_factory=Focus)


@dataclass(frozen=True)
class Topic:
    name: str
    #: What the topic asks, for ``--help`` and the list of valid topics.
    summary: str
    make: Callable[[Context], Draft]


@dataclass(frozen=True)
class Quiz:
    """The questions :func:`convscope.quiz.generate` wrote, and the topics it skipped with why."""

    model: str
    seed: int
    difficulty: str
    questions: tuple[Question, ...]
    #: ``{topic: reason}`` for each asked-for topic that does not apply to the model.
    skipped: dict[str, str] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def __len__(self) -> int:
        return len(self.questions)

    def __getitem__(self, index: int) -> Question:
        return self.questions[index]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "seed": self.seed,
            "difficulty": self.difficulty,
            "questions": [q.to_dict() for q in self.questions],
            "skipped": [{"topic": t, "reason": r} for t, r in self.skipped.items()],
        }
