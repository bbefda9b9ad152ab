// Drives web/js/static/arith.js over the queries tests/web/test_static_arith.py lists,
// with the words the export writes, and prints one JSON line per query: the answer,
// or the status and message of the refusal.
// Usage: node run_arith.mjs ARITH.json QUERIES.json
import { readFileSync } from "node:fs";
import { ArithError, arithAnswer } from "../../../src/convscope/web/js/static/arith.js";

const [wordsFile, queriesFile] = process.argv.slice(2);
const words = JSON.parse(readFileSync(wordsFile, "utf8"));
const lines = [];
for (const query of JSON.parse(readFileSync(queriesFile, "utf8"))) {
  try {
    lines.push(JSON.stringify({ answer: arithAnswer(query, words) }));
  } catch (error) {
    if (!(error instanceof ArithError)) throw error;
    lines.push(JSON.stringify({ status: error.status, detail: error.message }));
  }
}
process.stdout.write(lines.join("\n") + "\n");
