"""Writing a quiz: each topic's variants, drawn from a generator seeded by (seed, topic, round).

Seeding each topic on its own keeps a student's question about ReLU the same
when the instructor adds or removes another topic, and makes the output
byte-identical for the same seed on any machine (``random.Random`` with a
string seed is specified to be stable across Python versions).
"""

from __future__ import annotations

import random

from convscope.errors import ConvScopeError
from convscope.network import Network
from convscope.quiz.question import DIFFICULTIES, Context, Draft, NotApplicable, Question, Quiz, ShownImage
from convscope.quiz.topics import TOPICS, topic_names

#: Draws a topic gets to find a question not asked already before it gives up for this quiz.
_TRIES = 8
#: The most questions one quiz holds (a course's whole term fits comfortably).
MAX_COUNT = 500


def generate(
    network: Network,
    *,
    seed: int = 0,
    topics: str | list[str] | tuple[str, ...] | None = None,
    count: int | None = None,
    difficulty: str = "medium",
    image: ShownImage | None = None,
) -> Quiz:
    """Questions about ``network`` and about convolution arithmetic, with the answers computed.

    Args:
        network: the model the questions are about.
        seed: which variant set: the same seed gives the same quiz, another seed other layers and numbers.
        topics: topic names (a list or ``"relu,softmax"``); ``None`` means every topic.
        count: how many questions; topics take turns. ``None`` means one per topic that applies.
        difficulty: ``"easy"``, ``"medium"`` or ``"hard"``: the first layer or any, small numbers or larger.
        image: the image on the learner's screen; questions about a traced image then ask about it
            (``None``: about one of the model's sample images).

    Returns:
        A :class:`Quiz`: iterate it for the :class:`Question` objects; ``skipped``
        names each topic that does not apply to the model, with why.

    Raises:
        ConvScopeError: an unknown topic (the message lists the valid ones), difficulty or count.

    Example:
        >>> from convscope.formats import zoo_network
        >>> quiz = generate(zoo_network("tinyvgg"), topics="filters")
        >>> quiz[0].answer, quiz[0].view
        (10, 'conv')
    """
    names = topic_names(topics)
    if difficulty not in DIFFICULTIES:
        raise ConvScopeError(f"difficulty {difficulty!r} is not one of {', '.join(DIFFICULTIES)}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConvScopeError(f"seed must be a whole number, got {seed!r}")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT):
        raise ConvScopeError(f"count must be a whole number from 1 to {MAX_COUNT}, got {count!r}")

    shared: dict = {}

    def draft(name: str, round_: int, attempt: int) -> Draft:
        rng = random.Random(f"{seed}/{name}/{round_}/{attempt}")
        return TOPICS[name].make(Context(network, rng, difficulty, shared, image))

    skipped: dict[str, str] = {}
    live: list[str] = []
    for name in names:
        try:
            draft(name, 0, 0)
        except NotApplicable as why:
            skipped[name] = str(why)
        else:
            live.append(name)
    wanted = len(live) if count is None else count
    questions: list[Question] = []
    seen: set[str] = set()
    round_ = 0
    while live and len(questions) < wanted:
        for name in list(live):
            if len(questions) == wanted:
                break
            for attempt in range(_TRIES):
                found = draft(name, round_, attempt)
                if found.text not in seen:
                    break
            else:  # this topic has no new variant left: the others fill the count
                live.remove(name)
                continue
            seen.add(found.text)
            questions.append(_number(found, name, len(questions) + 1))
        round_ += 1
    return Quiz(model=network.name, seed=seed, difficulty=difficulty, questions=tuple(questions), skipped=skipped)


def _number(found: Draft, topic: str, index: int) -> Question:
    return Question(
        id=f"q{index:02d}-{topic}",
        topic=topic,
        text=found.text,
        answer=found.answer,
        tolerance=found.tolerance,
        view=found.view,
        explanation=found.explanation,
        kind=found.kind,
        unit=found.unit,
        focus=found.focus,
    )
