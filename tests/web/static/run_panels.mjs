// Drives web/js/static/panels.js over the cases tests/web/test_static_panels.py lists
// (each a step payload with its layer's slots) and prints each panel as a JSON line.
// Usage: node run_panels.mjs WORDS.json CASES.json
import { readFileSync } from "node:fs";
import { softmaxPanel, stepPanel } from "../../../src/convscope/web/js/static/panels.js";

const [wordsFile, casesFile] = process.argv.slice(2);
const words = JSON.parse(readFileSync(wordsFile, "utf8"));
for (const c of JSON.parse(readFileSync(casesFile, "utf8"))) {
  let got;
  try {
    got = c.softmax ? softmaxPanel(words, c.step) : stepPanel(words, c.slots, c.step, { order: c.order, inputChannel: c.input_channel });
  } catch (error) {
    got = { error: error.message };
  }
  process.stdout.write(`${JSON.stringify(got)}\n`);
}
