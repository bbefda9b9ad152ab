import assert from "node:assert/strict";
import { test } from "node:test";
import { columnRoutes, openText, overviewPlan, resolveView, routePath, toggled } from "../../../src/convscope/web/js/core/blocks.js";
import { abbreviate, shortName } from "../../../src/convscope/web/js/core/labels.js";
import { fitColumnGap, overviewColumns, overviewLayout } from "../../../src/convscope/web/js/core/layout.js";
import { tinyvgg } from "./fixtures.mjs";

// A stem and one residual block, in the shape GET /api/models/{id} sends (layer.block, layer.fold_into, blocks, overview).
const link = (mode) => ({ mode });
const L = (name, kind, inputs, extra = {}) => ({ name, kind, inputs, output_shape: [4, 8, 8], hyper: {}, view: null, display: "values", signed: true, connectivity: link("one_to_one"), block: null, fold_into: null, ...extra });
const residual = {
  output_layer: "fc",
  logits_layer: "fc",
  classes: ["a", "b"],
  input_spec: { channel_names: ["R", "G", "B"] },
  overview: { compact: true, collapsed: true },
  blocks: [{ name: "b1", kind: "Block", layers: ["b1.conv1", "b1.bn1", "b1.conv2", "add", "b1.relu"], output: "b1.relu", inputs: ["stem.relu"] }],
  layers: [
    L("input", "input", [], { display: "input", connectivity: link("none"), output_shape: [3, 8, 8] }),
    L("stem", "conv2d", ["input"], { connectivity: link("all") }),
    L("stem.relu", "relu", ["stem"], { fold_into: "stem" }),
    L("b1.conv1", "conv2d", ["stem.relu"], { block: "b1", connectivity: link("all") }),
    L("b1.bn1", "batchnorm2d", ["b1.conv1"], { block: "b1", fold_into: "b1.conv1" }),
    L("b1.conv2", "conv2d", ["b1.bn1"], { block: "b1", connectivity: link("all") }),
    L("add", "add", ["b1.conv2", "stem.relu"], { block: "b1" }),
    L("b1.relu", "relu", ["add"], { block: "b1", fold_into: "add" }),
    L("pool", "adaptive_avgpool2d", ["b1.relu"], { output_shape: [4, 1, 1] }),
    L("flatten", "flatten", ["pool"], { display: "hidden", output_shape: [4] }),
    L("fc", "linear", ["flatten"], { output_shape: [2], connectivity: link("all") }),
  ],
};
const columnsOf = (model, state) => overviewColumns(model, { plan: overviewPlan(model, resolveView(model, state)) });
const names = (cols) => cols.map((c) => c.name);

test("a deep model opens compact with its blocks collapsed to their output column", () => {
  const cols = columnsOf(residual, {});
  assert.deepEqual(names(cols), ["input", "stem", "b1.relu", "pool", "fc"]);
  const out = cols.find((c) => c.name === "b1.relu");
  assert.equal(out.block, "b1");
  assert.equal(out.collapsed, true);
  assert.deepEqual(cols.find((c) => c.name === "stem").folded, ["stem.relu"]);
});

test("an open block shows its layers with BatchNorm and activations folded into the conv or add before them", () => {
  assert.deepEqual(names(columnsOf(residual, { open: "b1" })), ["input", "stem", "b1.conv1", "b1.conv2", "add", "pool", "fc"]);
  assert.deepEqual(names(columnsOf(residual, { open: "b1", compact: "off" })), ["input", "stem", "stem.relu", "b1.conv1", "b1.bn1", "b1.conv2", "add", "b1.relu", "pool", "fc"]);
  const unfolded = columnsOf(residual, { open: "b1", unfold: "b1.conv1" });
  assert.deepEqual(names(unfolded).slice(2, 5), ["b1.conv1", "b1.bn1", "b1.conv2"]);
  assert.equal(unfolded.find((c) => c.name === "b1.conv1").unfolded, true);
});

test("a model without defaults draws every column, as before blocks existed", () => {
  assert.deepEqual(names(columnsOf(tinyvgg, {})), names(overviewColumns(tinyvgg)));
  assert.deepEqual(resolveView(tinyvgg, {}), { compact: false, open: new Set(), unfold: new Set() });
});

test("the open blocks are written to the URL only when they differ from the model's default", () => {
  assert.equal(openText(residual, new Set()), "");
  assert.equal(openText(residual, new Set(["b1"])), "b1");
  const shallow = { ...residual, overview: { compact: false, collapsed: false } };
  assert.equal(openText(shallow, new Set(["b1"])), "");
  assert.equal(openText(shallow, new Set()), "-");
  assert.deepEqual(resolveView(shallow, { open: "-" }).open, new Set());
  assert.deepEqual(resolveView(residual, { open: "b1,nonsense" }).open, new Set(["b1"]));
  assert.deepEqual(toggled(new Set(["a"]), "a"), new Set());
});

test("a collapsed residual block gets two routes from the column before it: the block's path and the identity", () => {
  const cols = columnsOf(residual, {});
  const into = columnRoutes(residual, cols).filter((r) => r.to === "b1.relu");
  assert.deepEqual(into.map((r) => [r.from, r.via, r.start, r.index, r.of]), [
    ["stem", "add", "b1.conv2", 0, 2],
    ["stem", "add", "stem.relu", 1, 2],
  ]);
});

test("an open add gets one route per input, each from the column that computes it", () => {
  const cols = columnsOf(residual, { open: "b1" });
  const routes = columnRoutes(residual, cols);
  assert.deepEqual(routes.filter((r) => r.to === "add").map((r) => r.from), ["b1.conv2", "stem"]);
  assert.deepEqual(routes.filter((r) => r.to === "fc").map((r) => r.from), ["pool"]); // through the hidden flatten
  assert.equal(routes.filter((r) => r.to === "input").length, 0);
});

test("routes over more columns arch higher, and routes of one pair fan apart", () => {
  const band = { top: 0, bottom: 30 };
  const a = { x: 0, width: 10 };
  const b = { x: 50, width: 10 };
  const low = routePath(a, b, { index: 0, of: 1, span: 0 }, band);
  assert.ok(low.startsWith("M10,30C") && low.endsWith(" 50,30")); // from the right edge of one to the left edge of the next
  assert.equal(low.split("C")[1].split(" ").map((p) => Number(p.split(",")[1])).join(), "30,30,30"); // neighbours: level
  const paths = [0, 1].map((index) => routePath(a, b, { index, of: 2, span: 0 }, band));
  assert.notEqual(paths[0], paths[1]);
  const lift = (d) => 30 - Number(d.split("C")[1].split(",")[1].split(" ")[0]);
  assert.ok(lift(routePath(a, b, { index: 0, of: 1, span: 3 }, band)) > lift(routePath(a, b, { index: 0, of: 1, span: 1 }, band)));
});

test("headers are abbreviated keeping more of the end, and lose their block's name", () => {
  assert.equal(abbreviate("layer1.0.conv1", (t) => t.length <= 20), "layer1.0.conv1");
  assert.equal(abbreviate("inception4a", (t) => t.length <= 8), "i…tion4a");
  assert.equal(abbreviate("abc", () => false), "…");
  assert.equal(shortName("layer1.0.conv1", "layer1.0"), "conv1");
  assert.equal(shortName("add", "layer1.0"), "add");
  assert.equal(shortName("conv1", null), "conv1");
});

test("column headers never reach the next column's header, and blocks span their columns' headers", () => {
  const cols = columnsOf(residual, { open: "b1" });
  for (const mapSize of [22, 30, 48]) {
    const layout = overviewLayout(cols, { mapSize, columnGap: 38 });
    layout.columns.slice(1).forEach((c, i) => assert.ok(layout.columns[i].label.x + layout.columns[i].label.w < c.label.x));
    assert.equal(layout.blocks.length, 1);
    const [span] = layout.blocks;
    const inside = layout.columns.filter((c) => span.columns.includes(c.name));
    assert.deepEqual(span.columns, ["b1.conv1", "b1.conv2", "add"]);
    assert.equal(span.x, inside[0].label.x);
    assert.equal(span.x + span.w, inside.at(-1).label.x + inside.at(-1).label.w);
  }
});

test("a class column taller than the maps starts at the top instead of pushing the maps down", () => {
  const many = { ...tinyvgg, classes: Array.from({ length: 1000 }, (_, i) => `c${i}`) };
  const layout = overviewLayout(overviewColumns(many), { mapSize: 30, top: 40 });
  assert.equal(layout.columns.at(-1).maps[0].y, 40);
  const tallest = layout.columns.find((c) => c.name === "relu_2_1");
  assert.equal(tallest.maps[0].y, 40); // the maps sit where they would without the classes
  const few = overviewLayout(overviewColumns(tinyvgg), { mapSize: 30, top: 40 });
  assert.ok(few.columns.at(-1).maps[0].y > 40); // shorter than the maps: centred as before
});

test("compact columns spread over the screen within the gap's limits", () => {
  const cols = columnsOf(residual, {});
  assert.equal(fitColumnGap(cols, 400, { mapSize: 20 }), 38);
  assert.equal(fitColumnGap(cols, 5000, { mapSize: 20 }), 64);
  const gap = fitColumnGap(cols, 600, { mapSize: 20 });
  assert.equal(overviewLayout(cols, { mapSize: 20, columnGap: gap }).width <= 600, true);
});
