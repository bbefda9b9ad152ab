// The "Check yourself" quiz without the DOM: which quiz the app state names, its
// requests, the learner's progress (kept in localStorage), the score, and the app
// state a hint opens. Answers are never checked here: the server holds the key and
// the rules, and sends a verdict for each typed answer.
import { stateOfSettings } from "./explorer.js";

export const STORAGE_PREFIX = "convscope.quiz|";

/**
 * The quiz the state names: {model, image, seed, topics, difficulty}. Empty fields take
 * the server's defaults; a bad seed stays as typed so the server can say what is wrong.
 * Example: quizOf({model: "default", image: "a", qseed: "", qtopics: "relu", qlevel: ""})
 *   -> {model: "default", image: "a", seed: "0", topics: "relu", difficulty: "medium"}
 */
export function quizOf(state) {
  return {
    model: state.model,
    image: state.image || "",
    seed: state.qseed || "0",
    topics: state.qtopics || "",
    difficulty: state.qlevel || "medium",
  };
}

/** One string per quiz: the same for states that name the same questions. */
export function quizKey(quiz) {
  return STORAGE_PREFIX + [quiz.model, quiz.image, quiz.seed, quiz.topics, quiz.difficulty].join("|");
}

/** The query of GET /api/models/{model}/quiz: "seed=3&topics=relu&difficulty=medium&image=…". */
export function quizQuery(quiz) {
  const params = new URLSearchParams({ seed: quiz.seed, difficulty: quiz.difficulty });
  if (quiz.topics) params.set("topics", quiz.topics);
  if (quiz.image) params.set("image", quiz.image);
  return params.toString();
}

/** The body of POST …/quiz/check: the quiz's fields plus one question's typed answer. */
export function checkBody(quiz, id, answer, reveal = false) {
  const body = { id, answer, reveal, seed: quiz.seed, difficulty: quiz.difficulty };
  if (quiz.topics) body.topics = quiz.topics;
  if (quiz.image) body.image = quiz.image;
  return body;
}

/** Progress before any answer. */
export function emptyProgress() {
  return { answers: {}, results: {} };
}

const isText = (v) => typeof v === "string";

/** Progress read back from storage; anything damaged or foreign is dropped, never fatal. */
export function readProgress(text) {
  let data;
  try {
    data = JSON.parse(text ?? "null");
  } catch {
    return emptyProgress();
  }
  const progress = emptyProgress();
  if (!data || typeof data !== "object") return progress;
  for (const [id, typed] of Object.entries(data.answers ?? {})) if (isText(typed)) progress.answers[id] = typed;
  for (const [id, r] of Object.entries(data.results ?? {})) {
    if (!r || typeof r !== "object" || ![true, false, null].includes(r.correct)) continue;
    progress.results[id] = {
      correct: r.correct,
      message: isText(r.message) ? r.message : "",
      answer: isText(r.answer) ? r.answer : null,
      explanation: isText(r.explanation) ? r.explanation : null,
      revealed: r.revealed === true,
      scored: r.scored === true,
      tries: Number.isInteger(r.tries) && r.tries >= 0 ? r.tries : 0,
    };
  }
  return progress;
}

/**
 * Progress after the server's verdict on one answer (a new object). A question scores when
 * it is answered right before its answer was shown; a wrong try counts, an unreadable one not.
 */
export function recordVerdict(progress, id, typed, verdict, reveal = false) {
  const before = progress.results[id] ?? { revealed: false, scored: false, tries: 0, answer: null, explanation: null };
  const revealed = before.revealed || reveal;
  const result = {
    correct: verdict.correct,
    message: verdict.message,
    answer: verdict.answer ?? before.answer,
    explanation: verdict.explanation ?? before.explanation,
    revealed,
    scored: before.scored || (verdict.correct === true && !before.revealed),
    tries: before.tries + (verdict.correct === null ? 0 : 1),
  };
  return { answers: { ...progress.answers, [id]: typed }, results: { ...progress.results, [id]: result } };
}

/** {right, gradable, tried}: questions scored, questions a program can grade, questions tried. */
export function scoreOf(progress, questions) {
  const gradable = questions.filter((q) => q.answer_type !== "essay");
  const right = gradable.filter((q) => progress.results[q.id]?.scored).length;
  const tried = gradable.filter((q) => (progress.results[q.id]?.tries ?? 0) > 0).length;
  return { right, gradable: gradable.length, tried };
}

/** Views the app opens over a layer (state.view "detail" picks the layer's own view). */
const LAYER_VIEWS = new Set(["conv", "pool", "activation", "linear"]);

/**
 * The app-state patch a question's hint applies: the view the question names, on the layer
 * and unit its focus names (and its image). The explorer gets the question's settings.
 * Example: hintPatch({view: "conv", focus: {layer: "conv_1_1", channel: 2, y: 1, x: 3}}, model)
 *   -> {view: "detail", layer: "conv_1_1", channel: 2, y: 1, x: 3, H: null, …}
 */
export function hintPatch(question, model) {
  const focus = question.focus ?? {};
  const image = focus.image ? { image: focus.image } : {};
  const unit = { channel: focus.channel ?? null, y: focus.y ?? null, x: focus.x ?? null, input: null };
  const cleared = stateOfSettings(null);
  if (question.view === "explorer") {
    const s = focus.explorer;
    const settings = s ? { size: s.size, kernel: s.kernel, stride: s.stride, padding: s.padding, dilation: 1, mode: s.mode } : null;
    return { ...image, view: "explorer", layer: "", channel: null, y: null, x: null, input: null, ...stateOfSettings(settings) };
  }
  if (question.view === "softmax") {
    return { ...image, ...cleared, view: "softmax", layer: focus.layer || model.logits_layer, ...unit, y: null, x: null };
  }
  if (LAYER_VIEWS.has(question.view) && focus.layer) {
    return { ...image, ...cleared, view: "detail", layer: focus.layer, ...unit, channel: focus.channel ?? 0 };
  }
  // "layer facts" and "overview": the overview, with the layer selected so its facts show below
  return { ...image, ...cleared, view: "overview", layer: focus.layer || "", channel: null, y: null, x: null, input: null };
}

const VIEW_WORDS = {
  conv: "convolution view", pool: "pooling view", activation: "activation view", linear: "fully connected view",
  softmax: "softmax view", explorer: "hyperparameter explorer", "layer facts": "layer facts", overview: "overview",
};

/** The hint button's words: "Show me: convolution view of conv_1_1". */
export function hintLabel(question) {
  const where = VIEW_WORDS[question.view] ?? `${question.view} view`;
  const layer = question.focus && question.focus.layer && question.view !== "explorer" ? ` of ${question.focus.layer}` : "";
  return `Show me: ${where}${layer}`;
}

/** How an answer is written, under its box: "a whole number", "within ±0.001", "values separated by commas". */
export function answerHelp(question) {
  if (question.answer_type === "essay") return "Free text: a person grades it against the model answer.";
  if (question.answer_type === "truefalse") return "Answer true or false.";
  const within = question.tolerance ? `, accepted within ±${question.tolerance}` : ", exact";
  const unit = question.unit === "probability" ? " (0.42 or 42%)" : question.unit ? ` of ${question.unit}` : "";
  if (question.answer_type === "list") return `Numbers separated by commas${unit}${within}.`;
  return `One number${unit}${within}.`;
}

/** The state patch of a settings change: {qseed, qtopics, qlevel}; "" where the server's default applies. */
export function settingsPatch({ seed, topics, difficulty }, allTopics) {
  const picked = topics ?? [];
  const every = picked.length === 0 || (allTopics.length > 0 && allTopics.every((t) => picked.includes(t)));
  return {
    qseed: String(seed ?? "").trim() === "0" ? "" : String(seed ?? "").trim(),
    qtopics: every ? "" : allTopics.filter((t) => picked.includes(t)).join(","),
    qlevel: difficulty === "medium" ? "" : difficulty || "",
  };
}
