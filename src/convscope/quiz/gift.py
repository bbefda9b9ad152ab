"""A quiz in Moodle's GIFT format, for import into a learning platform.

Numbers become numerical questions ``{#value:tolerance}``, true/false statements
``{T}``/``{F}``, lists short-answer questions whose one right answer is the
values comma-separated, and free-text questions essays ``{}`` with the model
answer in the general feedback. GIFT's special characters ``~ = # { } :`` are
escaped with a backslash wherever text goes (title, question, feedback).
"""

from __future__ import annotations

from convscope.quiz.answers import answer_text
from convscope.quiz.question import Question, Quiz

#: The characters GIFT gives a meaning to; a backslash makes each literal.
SPECIAL = "\\~=#{}:"


def escape(text: str) -> str:
    """Make ``text`` literal in GIFT; one line, since a blank line ends a question.

    Example:
        >>> escape("C·H·W = 3·64·64: {x}")
        'C·H·W \\\\= 3·64·64\\\\: \\\\{x\\\\}'
    """
    flat = " ".join(text.split())
    return "".join("\\" + ch if ch in SPECIAL else ch for ch in flat)


def to_gift(quiz: Quiz, model: str | None = None) -> str:
    header = (
        f"// ConvScope quiz: {' '.join((model or quiz.model).split())}, seed {quiz.seed}, difficulty {quiz.difficulty}"
    )
    blocks = [header] + [_question(q) for q in quiz]
    return "\n\n".join(blocks) + "\n"


def _question(q: Question) -> str:
    feedback = f"####{escape(q.explanation)}"
    if q.kind == "essay":
        body = "{" + feedback + "}"
    elif q.kind == "truefalse":
        body = "{" + ("T" if q.answer == "true" else "F") + feedback + "}"
    elif q.kind == "list":
        body = "{=" + escape(answer_text(q.answer)) + feedback + "}"
    else:
        body = "{#" + answer_text(q.answer) + ":" + f"{q.tolerance or 0:g}" + feedback + "}"
    return f"// where to look: the {q.view} view\n::{escape(q.id)}::[plain]{escape(q.text)} {body}"
