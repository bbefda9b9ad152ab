import assert from "node:assert/strict";
import { test } from "node:test";
import { settingsFromState } from "../../../src/convscope/web/js/core/explorer.js";
import {
  answerHelp, checkBody, emptyProgress, hintLabel, hintPatch, quizKey, quizOf, quizQuery, readProgress, recordVerdict, scoreOf, settingsPatch,
} from "../../../src/convscope/web/js/core/quiz.js";
import { decodeState, defaultState, encodeState, isNavigation } from "../../../src/convscope/web/js/core/urlstate.js";
import { tinyvgg } from "./fixtures.mjs";

const focus = (f = {}) => ({ layer: null, channel: null, y: null, x: null, image: null, explorer: null, ...f });
const question = (id, view, f = {}, answer_type = "numeric") => ({ id, topic: id, text: "…", answer_type, unit: "", tolerance: 0, view, focus: focus(f) });

test("an instructor's link names the quiz: seed, topics and difficulty survive the URL with the panel open", () => {
  const state = { ...defaultState(), model: "default", image: "bag_0", quiz: true, qseed: "42", qtopics: "relu,weights", qlevel: "hard" };
  const back = decodeState(encodeState(state));
  assert.deepEqual(back, state);
  assert.deepEqual(quizOf(back), { model: "default", image: "bag_0", seed: "42", topics: "relu,weights", difficulty: "hard" });
});

test("a bad seed in a link stays as typed, so the server can say what is wrong with it", () => {
  assert.equal(quizOf(decodeState("?quiz=1&qseed=-7")).seed, "-7");
});

test("opening the panel or choosing another quiz replaces the history entry instead of adding one", () => {
  const a = defaultState();
  assert.equal(isNavigation(a, { ...a, quiz: true, qseed: "3" }), false);
});

test("empty fields take the server's defaults, and the same quiz has the same key however it is written", () => {
  const q = quizOf({ model: "m", image: "", qseed: "", qtopics: "", qlevel: "" });
  assert.deepEqual(q, { model: "m", image: "", seed: "0", topics: "", difficulty: "medium" });
  assert.equal(quizKey(q), quizKey(quizOf({ model: "m", image: "", qseed: "0", qtopics: "", qlevel: "medium" })));
  assert.notEqual(quizKey(q), quizKey({ ...q, image: "bag_0" }));
});

test("the quiz request and the check body carry the same quiz fields", () => {
  const q = quizOf({ model: "m", image: "a b", qseed: "5", qtopics: "relu", qlevel: "" });
  assert.equal(quizQuery(q), "seed=5&difficulty=medium&topics=relu&image=a+b");
  assert.deepEqual(checkBody(q, "q01-relu", "0, 1", false), { id: "q01-relu", answer: "0, 1", reveal: false, seed: "5", difficulty: "medium", topics: "relu", image: "a b" });
  const bare = quizOf({ model: "m", image: "", qseed: "", qtopics: "", qlevel: "" });
  assert.equal("topics" in checkBody(bare, "q01-input", "1"), false);
});

test("a right answer scores; a wrong try counts as tried; an unreadable one not even that", () => {
  const questions = [question("q01", "conv"), question("q02", "conv"), question("q03", "conv", {}, "essay")];
  let p = emptyProgress();
  p = recordVerdict(p, "q02", "lots", { correct: null, message: "Could not read", answer: null, explanation: null });
  assert.deepEqual(scoreOf(p, questions), { right: 0, gradable: 2, tried: 0 });
  p = recordVerdict(p, "q01", "9", { correct: false, message: "Not 9.", answer: null, explanation: null });
  assert.deepEqual(scoreOf(p, questions), { right: 0, gradable: 2, tried: 1 });
  p = recordVerdict(p, "q01", "10", { correct: true, message: "Right: 10.", answer: "10", explanation: "why" });
  assert.deepEqual(scoreOf(p, questions), { right: 1, gradable: 2, tried: 1 });
  assert.equal(p.answers.q01, "10");
  assert.equal(p.results.q01.tries, 2);
});

test("an answer shown before it was found does not score, even when typed right afterwards", () => {
  const questions = [question("q01", "conv")];
  let p = recordVerdict(emptyProgress(), "q01", "", { correct: null, message: "", answer: "10", explanation: "why" }, true);
  p = recordVerdict(p, "q01", "10", { correct: true, message: "Right: 10.", answer: "10", explanation: "why" });
  assert.equal(scoreOf(p, questions).right, 0);
  assert.equal(p.results.q01.revealed, true);
});

test("a wrong answer after a right one keeps the score and the explanation already earned", () => {
  let p = recordVerdict(emptyProgress(), "q01", "10", { correct: true, message: "Right", answer: "10", explanation: "why" });
  p = recordVerdict(p, "q01", "11", { correct: false, message: "Not 11", answer: null, explanation: null });
  assert.equal(p.results.q01.scored, true);
  assert.equal(p.results.q01.explanation, "why");
});

test("progress survives a round trip through storage, and damaged storage gives an empty start", () => {
  const p = recordVerdict(emptyProgress(), "q01", "10", { correct: true, message: "Right", answer: "10", explanation: "why" });
  assert.deepEqual(readProgress(JSON.stringify(p)), p);
  for (const junk of [null, "", "{", "[]", "42", JSON.stringify({ answers: { q: 3 }, results: { q: { correct: "yes" } } })]) {
    assert.deepEqual(readProgress(junk), emptyProgress());
  }
});

test("a hint on a conv question opens that layer's own view at the unit the question names", () => {
  const patch = hintPatch(question("q", "conv", { layer: "conv_1_2", channel: 3, y: 4, x: 5, image: "bag_0" }), tinyvgg);
  assert.deepEqual({ view: patch.view, layer: patch.layer, channel: patch.channel, y: patch.y, x: patch.x, image: patch.image }, { view: "detail", layer: "conv_1_2", channel: 3, y: 4, x: 5, image: "bag_0" });
  assert.equal(settingsFromState(patch), null, "the explorer's settings are cleared");
});

test("a hint without a unit opens the layer at its first channel, and no image change when none is named", () => {
  const patch = hintPatch(question("q", "pool", { layer: "max_pool_1" }), tinyvgg);
  assert.equal(patch.view, "detail");
  assert.equal(patch.channel, 0);
  assert.equal("image" in patch, false);
});

test("a hint on a layer-facts question selects the layer on the overview, where its facts are listed", () => {
  const patch = hintPatch(question("q", "layer facts", { layer: "conv_1_1" }), tinyvgg);
  assert.equal(patch.view, "overview");
  assert.equal(patch.layer, "conv_1_1");
});

test("a hint on a softmax question opens the softmax view of the logits at the class asked about", () => {
  const patch = hintPatch(question("q", "softmax", { layer: "output", channel: 2 }), tinyvgg);
  assert.equal(patch.view, "softmax");
  assert.equal(patch.layer, "output");
  assert.equal(patch.channel, 2);
  assert.equal(hintPatch(question("q", "softmax"), tinyvgg).layer, tinyvgg.logits_layer);
});

test("a hint on an explorer question sets the explorer to the question's numbers", () => {
  const patch = hintPatch(question("q", "explorer", { explorer: { size: 13, kernel: 3, stride: 2, padding: 1, mode: "conv" } }), tinyvgg);
  assert.equal(patch.view, "explorer");
  assert.deepEqual(settingsFromState(patch), { size: 13, kernel: 3, stride: 2, padding: 1, dilation: 1, mode: "conv" });
});

test("a hint on a question about the input opens the overview", () => {
  assert.equal(hintPatch(question("q", "overview"), tinyvgg).view, "overview");
});

test("the hint button and the help line say where to look and how to answer", () => {
  assert.equal(hintLabel(question("q", "conv", { layer: "conv_1_1" })), "Show me: convolution view of conv_1_1");
  assert.equal(hintLabel(question("q", "explorer", { layer: null })), "Show me: hyperparameter explorer");
  assert.equal(answerHelp({ answer_type: "numeric", unit: "weights", tolerance: 0 }), "One number of weights, exact.");
  assert.equal(answerHelp({ answer_type: "numeric", unit: "probability", tolerance: 0.001 }), "One number (0.42 or 42%), accepted within ±0.001.");
  assert.equal(answerHelp({ answer_type: "list", unit: "", tolerance: 0 }), "Numbers separated by commas, exact.");
});

test("choosing settings writes only what differs from the defaults", () => {
  const all = ["input", "relu", "softmax"];
  assert.deepEqual(settingsPatch({ seed: "0", topics: all, difficulty: "medium" }, all), { qseed: "", qtopics: "", qlevel: "" });
  assert.deepEqual(settingsPatch({ seed: " 7 ", topics: ["softmax", "input"], difficulty: "hard" }, all), { qseed: "7", qtopics: "input,softmax", qlevel: "hard" });
  assert.deepEqual(settingsPatch({ seed: "x", topics: [], difficulty: "easy" }, all), { qseed: "x", qtopics: "", qlevel: "easy" });
});
