// The "Check yourself" panel: the quiz's settings, its questions with an answer box,
// a hint and a "show answer" button each, and the score. It draws what it is given
// and reports what the learner does; quizmode.js fetches and keeps the progress.
import { answerHelp, hintLabel, scoreOf } from "../core/quiz.js";
import { el } from "./dom.js";

const LEVELS = ["easy", "medium", "hard"];

/**
 * handlers: {onCheck(question, typed, reveal), onHint(question), onSettings({seed, topics, difficulty}), onClose()}.
 * Returns {show(open), loading(), setQuiz(quiz, progress), setResult(question, progress), setMessage(question, text), setError(message, settings)}.
 */
export function createQuizPanel(root, handlers) {
  root.replaceChildren();
  const head = el("header", "quiz-head");
  const title = el("h2", "quiz-title", { id: "quiz-title" }, "Check yourself");
  const score = el("p", "quiz-score", { "aria-live": "polite" });
  const close = el("button", "quiz-close", { type: "button", "aria-label": "Close the quiz" }, "×");
  close.addEventListener("click", () => handlers.onClose());
  head.append(title, score, close);
  const form = el("form", "quiz-settings", { "aria-label": "Which quiz" });
  const status = el("p", "quiz-status", { role: "status" });
  const error = el("p", "quiz-error", { role: "alert" });
  error.hidden = true;
  const skipped = el("p", "quiz-skipped");
  const list = el("ol", "quiz-questions");
  root.append(head, form, status, error, skipped, list);
  root.setAttribute("aria-labelledby", "quiz-title");
  let items = new Map();
  let questions = [];

  function settingsForm(settings, validTopics) {
    form.replaceChildren();
    const seed = el("input", "quiz-seed", { type: "text", inputmode: "numeric", size: "8", "aria-label": "Seed" });
    seed.value = settings.seed;
    const next = el("button", "quiz-next", { type: "button", title: "The same topics with other layers and numbers" }, "New variant");
    const level = el("select", "quiz-level", { "aria-label": "Difficulty" });
    for (const l of LEVELS) level.append(el("option", "", { value: l }, l));
    level.value = settings.difficulty;
    const topics = el("details", "quiz-topics");
    const chosen = settings.topics ? settings.topics.split(",") : validTopics.map((t) => t.name);
    topics.append(el("summary", "", {}, settings.topics ? `Topics (${chosen.length})` : "Topics (all)"));
    const boxes = validTopics.map((t) => {
      const label = el("label", "quiz-topic", { title: t.summary });
      const box = el("input", "", { type: "checkbox", value: t.name });
      box.checked = chosen.includes(t.name);
      label.append(box, ` ${t.name}`);
      topics.append(label);
      return box;
    });
    const apply = el("button", "quiz-apply", { type: "submit" }, "Make quiz");
    const read = () => ({ seed: seed.value, difficulty: level.value, topics: boxes.filter((b) => b.checked).map((b) => b.value) });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      handlers.onSettings(read());
    });
    next.addEventListener("click", () => {
      const n = Number.parseInt(seed.value, 10);
      handlers.onSettings({ ...read(), seed: String(Number.isFinite(n) && n >= 0 ? n + 1 : 1) });
    });
    level.addEventListener("change", () => handlers.onSettings(read()));
    const seedLabel = el("label", "quiz-field", {}, "Seed ");
    seedLabel.append(seed);
    form.append(seedLabel, next, level, apply);
    if (validTopics.length) form.append(topics); // unknown when the server refused the quiz
    if (!validTopics.length && settings.topics) {
      const reset = el("button", "quiz-reset", { type: "button" }, "All topics");
      reset.addEventListener("click", () => handlers.onSettings({ ...read(), topics: [] }));
      form.append(reset);
    }
  }

  function drawResult(item, question, result) {
    const { feedback, reveal } = item;
    item.li.dataset.state = !result ? "open" : result.scored ? "right" : result.correct === false ? "wrong" : result.revealed ? "revealed" : result.correct ? "right-late" : "open";
    feedback.textContent = result ? result.message : "";
    feedback.className = `quiz-feedback ${result && result.correct === true ? "good" : result && result.correct === false ? "bad" : ""}`;
    reveal.replaceChildren();
    if (result && result.answer !== null) {
      const unit = question.unit && question.unit !== "probability" ? ` ${question.unit}` : "";
      reveal.append(el("p", "quiz-key", {}, `${question.answer_type === "essay" ? "Model answer" : "Answer"}: ${result.answer}${unit}`));
      if (result.explanation && question.answer_type !== "essay") reveal.append(el("p", "quiz-why", {}, result.explanation));
    }
  }

  function questionItem(question, index, progress) {
    const li = el("li", "quiz-question", { "data-id": question.id, "data-topic": question.topic });
    li.append(el("p", "quiz-text", {}, question.text));
    const row = el("div", "quiz-answer-row");
    const input = el(question.answer_type === "essay" ? "textarea" : "input", "quiz-input", { "aria-label": `Answer to question ${index + 1}` });
    if (question.answer_type !== "essay") input.setAttribute("type", "text");
    input.value = progress.answers[question.id] ?? "";
    row.append(input);
    if (question.unit && question.unit !== "probability") row.append(el("span", "quiz-unit", {}, question.unit));
    const checkButton = el("button", "quiz-check", { type: "button" }, "Check");
    if (question.answer_type !== "essay") row.append(checkButton);
    const help = el("p", "quiz-help", {}, answerHelp(question));
    const feedback = el("p", "quiz-feedback", { "aria-live": "polite" });
    const actions = el("div", "quiz-actions");
    const hint = el("button", "quiz-hint", { type: "button" }, hintLabel(question));
    const show = el("button", "quiz-show", { type: "button" }, question.answer_type === "essay" ? "Show model answer" : "Show answer");
    actions.append(hint, show);
    const reveal = el("div", "quiz-reveal");
    li.append(row, help, feedback, actions, reveal);
    const send = (revealing) => handlers.onCheck(question, input.value, revealing);
    checkButton.addEventListener("click", () => send(false));
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && question.answer_type !== "essay") {
        event.preventDefault();
        send(false);
      }
    });
    show.addEventListener("click", () => send(true));
    hint.addEventListener("click", () => handlers.onHint(question));
    const item = { li, input, feedback, reveal };
    drawResult(item, question, progress.results[question.id]);
    return item;
  }

  function drawScore(progress) {
    const s = scoreOf(progress, questions);
    score.textContent = `Score ${s.right} / ${s.gradable}`;
    score.title = `${s.tried} of ${s.gradable} tried; a question scores when answered right before its answer is shown`;
    score.dataset.right = String(s.right);
    score.dataset.gradable = String(s.gradable);
  }

  return {
    show(open) {
      root.hidden = !open;
    },
    loading() {
      status.textContent = "Writing the questions…";
      root.dataset.ready = "false";
    },
    setQuiz(quiz, progress) {
      questions = quiz.questions;
      settingsForm({ seed: String(quiz.seed), difficulty: quiz.difficulty, topics: quiz.topics.join(",") }, quiz.valid_topics);
      error.hidden = true;
      status.textContent = `${quiz.questions.length} questions about ${quiz.model}${quiz.image ? " and the image on screen" : ""} · seed ${quiz.seed}, ${quiz.difficulty}`;
      skipped.textContent = quiz.skipped.length ? `Skipped (not in this model): ${quiz.skipped.map((s) => `${s.topic}: ${s.reason}`).join("; ")}` : "";
      items = new Map(quiz.questions.map((q, i) => [q.id, questionItem(q, i, progress)]));
      list.replaceChildren(...[...items.values()].map((i) => i.li));
      drawScore(progress);
      root.dataset.ready = "true";
    },
    setResult(question, progress) {
      const item = items.get(question.id);
      if (item) drawResult(item, question, progress.results[question.id]);
      drawScore(progress);
    },
    /** A check that failed to arrive (the server's one-line message), under that question. */
    setMessage(question, message) {
      const item = items.get(question.id);
      if (item) item.feedback.textContent = message;
    },
    setError(message, settings) {
      questions = [];
      items = new Map();
      list.replaceChildren();
      skipped.textContent = "";
      status.textContent = "";
      score.textContent = "";
      settingsForm(settings, []);
      error.textContent = message;
      error.hidden = false;
      root.dataset.ready = "true";
    },
  };
}
