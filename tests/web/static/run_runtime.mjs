// Drives web/js/static/runtime.js over an exported site's files for the cases
// tests/web/test_static_runtime.py lists, and prints what it built as JSON lines.
// Usage: node run_runtime.mjs SITE CASES.json
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeTensor } from "../../../src/convscope/web/js/core/tensor.js";
import { explainStep, intermediateMaps, paddedInput, probabilitiesStep } from "../../../src/convscope/web/js/static/runtime.js";

const [site, casesFile] = process.argv.slice(2);
const json = (path) => JSON.parse(readFileSync(join(site, path), "utf8"));
const tensor = (path) => {
  const bytes = readFileSync(join(site, path));
  return decodeTensor(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};
const plain = (t) => ({ header: t.header, data: Array.from(t.data) });

for (const c of JSON.parse(readFileSync(casesFile, "utf8"))) {
  const base = `data/models/${c.model}`;
  const model = json(`${base}/model.json`);
  const rules = json(`${base}/rules.json`);
  const folder = `${base}/traces/${c.image}`;
  const info = json(`${folder}/trace.json`);
  const shown = json(`${folder}/softmax.json`);
  const data = {
    output: (name) => tensor(`${folder}/layers/${name}.bin`),
    weights: (name) => tensor(rules.layers[name].weights),
    shown: (name) => shown[name],
  };
  let got;
  try {
    if (c.what === "explain") got = explainStep(model, rules, c.layer, c.params, data);
    else if (c.what === "probabilities") got = probabilitiesStep(rules, info, c.index, shown[rules.probabilities.input_layer]);
    else if (c.what === "intermediate") got = plain(intermediateMaps(model, rules, c.layer, c.channel, c.input_channels, data));
    else got = plain(paddedInput(rules, c.layer, c.channels, data));
  } catch (error) {
    got = { error: error.message, status: error.status };
  }
  process.stdout.write(`${JSON.stringify(got)}\n`);
}
