// Wiring of the "Check yourself" panel: the top bar's button opens it (state.quiz),
// the quiz the URL names is fetched from the server, typed answers go to the server
// for a verdict, progress is kept in localStorage per quiz, hints navigate the app.
import { check } from "./api.js";
import { checkBody, emptyProgress, hintPatch, quizKey, quizOf, quizQuery, readProgress, recordVerdict, settingsPatch } from "./core/quiz.js";
import { createQuizPanel } from "./views/quiz.js";

const enc = encodeURIComponent;

/** handlers: {navigate(patch), toggle (the top bar's button), storage (localStorage)}. Returns {update(state, app)}. */
export function createQuizMode(handlers) {
  const root = document.createElement("aside");
  root.id = "quiz-panel";
  root.className = "quiz-panel";
  root.hidden = true;
  document.body.append(root);
  const toggle = handlers.toggle;
  toggle.setAttribute("aria-controls", "quiz-panel");
  let state = null;
  let app = null;
  let shown = { key: "", quiz: null, data: null, progress: emptyProgress() };
  let wanted = ""; // the quiz asked for last: shown until another one arrives
  let token = 0;

  const panel = createQuizPanel(root, {
    onClose: () => handlers.navigate({ quiz: false }),
    onHint: (question) => handlers.navigate(hintPatch(question, app.model)),
    onSettings: (settings) => {
      const all = shown.data ? shown.data.valid_topics.map((t) => t.name) : [];
      handlers.navigate(settingsPatch(settings, all));
    },
    onCheck: answer,
  });
  toggle.addEventListener("click", () => handlers.navigate({ quiz: !(state && state.quiz) }));

  function save() {
    try {
      handlers.storage.setItem(shown.key, JSON.stringify(shown.progress));
    } catch {
      // storage full or refused (private mode): progress lasts until the page closes
    }
  }

  function load(key) {
    try {
      return readProgress(handlers.storage.getItem(key));
    } catch {
      return emptyProgress();
    }
  }

  async function answer(question, typed, reveal) {
    const { key, quiz } = shown;
    try {
      const response = await fetch(`api/models/${enc(quiz.model)}/quiz/check`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(checkBody(quiz, question.id, typed, reveal)),
      });
      const verdict = await (await check(response)).json();
      if (shown.key !== key) return; // another quiz came meanwhile
      shown.progress = recordVerdict(shown.progress, question.id, typed, verdict, reveal);
      save();
      panel.setResult(question, shown.progress);
    } catch (error) {
      if (shown.key === key) panel.setMessage(question, error.message);
    }
  }

  async function fetchQuiz(quiz, key) {
    const mine = ++token;
    panel.loading();
    try {
      const response = await fetch(`api/models/${enc(quiz.model)}/quiz?${quizQuery(quiz)}`);
      const data = await (await check(response)).json();
      if (mine !== token) return;
      shown = { key, quiz, data, progress: load(key) };
      panel.setQuiz(data, shown.progress);
    } catch (error) {
      if (mine !== token) return;
      shown = { key, quiz, data: null, progress: emptyProgress() };
      panel.setError(error.message, { seed: quiz.seed, topics: quiz.topics, difficulty: quiz.difficulty });
    }
  }

  return {
    /** Called by the app after every state change. */
    update(next, appState) {
      state = next;
      app = appState;
      toggle.setAttribute("aria-expanded", String(next.quiz));
      toggle.classList.toggle("active", next.quiz);
      document.body.classList.toggle("quiz-open", next.quiz);
      panel.show(next.quiz);
      if (!next.quiz || !app.model || app.model.id !== next.model) return;
      const quiz = quizOf(next);
      const key = quizKey(quiz);
      if (key !== wanted) {
        wanted = key;
        fetchQuiz(quiz, key);
      }
    },
  };
}
