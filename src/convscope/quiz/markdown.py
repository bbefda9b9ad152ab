"""A quiz as Markdown: the questions first, then a separate answer key for the instructor."""

from __future__ import annotations

from convscope.quiz.answers import answer_text
from convscope.quiz.question import Question, Quiz

_HOW = {
    "numeric": "a number",
    "list": "numbers, in order",
    "truefalse": "true or false",
    "essay": "free text, graded by a person",
}


def to_markdown(quiz: Quiz, model: str | None = None) -> str:
    name = model or quiz.model
    lines = [f"# Quiz: {name}", "", f"Seed {quiz.seed}, difficulty {quiz.difficulty}, {len(quiz)} questions.", ""]
    if quiz.skipped:
        lines += ["Topics skipped because they do not apply to this model:", ""]
        lines += [f"- `{topic}`: {reason}" for topic, reason in quiz.skipped.items()]
        lines.append("")
    lines += ["## Questions", ""]
    for n, q in enumerate(quiz, start=1):
        lines += [f"{n}. {q.text}", f"   *Answer with {_HOW[q.kind]}. Where to look: the {q.view} view.*", ""]
    lines += ["## Answer key", ""]
    for n, q in enumerate(quiz, start=1):
        lines += [f"{n}. **{_key(q)}** ({q.id}) — {q.explanation}", ""]
    return "\n".join(lines)


def _key(q: Question) -> str:
    if q.kind == "essay":
        return "needs a human grader; model answer below"
    within = f" (± {q.tolerance:g})" if q.tolerance else ""
    return answer_text(q.answer) + within
