// The blocks explained: a residual block's two paths and their sum at one position, an
// inception module's branches with costs, 1×1 bottleneck savings and a "what if" width.
// Every number is the server's; this module only lays them out.
import { count, shapeText } from "../core/structure.js";

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) node.append(c);
  return node;
}

const fixed = (v) => (v === null || v === undefined ? "–" : Number(v).toFixed(4));

/** Render /api/…/blocks/{id}/residual into `root`. */
export function renderResidual(root, data, order) {
  const [c, y, x] = data.position;
  const [fx, sx] = [data.terms.find((t) => t.path === "F(x)"), data.terms.find((t) => t.path === "x")];
  const shortcutName = data.shortcut_is_identity ? "x" : "W_s·x";
  const shortcut = data.shortcut_is_identity ? "the block's input x itself (identity shortcut)" : `a projection of x (${sx.layers.join(" → ")}), since the shape changes`;
  root.replaceChildren(
    h("h3", {}, `${data.block}: residual block`),
    h("p", { class: "block-formula" }, data.formula),
    h("p", {}, `The convolution path F(x) is ${fx.layers.join(" → ")}; the shortcut is ${shortcut}. At channel ${c}, row ${y}, column ${x} of the traced image:`),
    h(
      "table",
      { class: "block-table residual-table" },
      h("tr", {}, h("th", {}, "path"), h("th", {}, "layer"), h("th", {}, "value")),
      ...data.terms.map((t) => h("tr", { "data-path": t.path }, h("td", {}, t.path === "x" ? shortcutName : t.path), h("td", {}, t.layer), h("td", { class: "num" }, fixed(t.value)))),
      h("tr", { "data-path": "sum" }, h("td", {}, `F(x) + ${shortcutName}`), h("td", {}, data.add_layer), h("td", { class: "num" }, fixed(data.sum))),
      ...(data.after_layer ? [h("tr", { "data-path": "y" }, h("td", {}, "y = ReLU(…)"), h("td", {}, data.after_layer), h("td", { class: "num" }, fixed(data.after_value)))] : []),
    ),
    h("p", { class: "muted" }, `The traced sum is ${fixed(data.traced_sum)}; the two terms re-add to ${fixed(data.sum)}.`),
  );
}

function branchRow(branch, i, order, onWidth) {
  const convs = branch.layers.filter((l) => l.filters_editable);
  const controls = h("td", {});
  for (const conv of convs) {
    const input = h("input", { type: "number", min: 1, max: 4096, value: conv.output_shape[0], "data-layer": conv.name, "aria-label": `filters of ${conv.name}` });
    input.addEventListener("change", () => onWidth(conv.name, Number.parseInt(input.value, 10)));
    controls.append(h("label", { class: "width-control" }, `${conv.kernel.join("×")} `, input));
  }
  const b = branch.bottleneck;
  const saving = b
    ? `1×1 to ${b.bottleneck_channels} then ${b.kernel.join("×")}: ${count(b.bottleneck_mults)} mults vs ${count(b.direct.mults)} for the ${b.kernel.join("×")} alone on ${b.in_channels} channels — ${b.saving.toFixed(2)}× fewer`
    : "–";
  const paper = b?.as_5x5
    ? ` (with a 5×5 kernel on these sizes: ${count(b.as_5x5.bottleneck_mults)} vs ${count(b.as_5x5.direct_mults)}, ${b.as_5x5.saving.toFixed(2)}× fewer)`
    : "";
  return h(
    "tr",
    { "data-branch": i },
    h("td", {}, `branch ${i + 1}`),
    h("td", {}, branch.layers.map((l) => l.name.split(".").slice(1).join(".")).join(" → ")),
    h("td", { class: "num" }, shapeText(branch.output_shape, order)),
    h("td", { class: "num" }, count(branch.params)),
    h("td", { class: "num" }, count(branch.mults)),
    h("td", { class: "saving" }, saving + paper),
    controls,
  );
}

/** Render /api/…/blocks/{id}/inception into `root`; onWidth(layer, filters) asks the server again. */
export function renderInception(root, data, order, onWidth) {
  const changed = Object.keys(data.widths).length;
  root.replaceChildren(
    h("h3", {}, `${data.block}: inception module`),
    h("p", {}, `Four branches read the same ${shapeText(data.input_shape, order)} input and their outputs are concatenated along C into ${shapeText(data.output_shape, order)}: ${count(data.params)} parameters, ${count(data.mults)} multiplications${changed ? " with your widths" : ""}.`),
    h(
      "table",
      { class: "block-table inception-table" },
      h("tr", {}, ...["branch", "layers", "output", "params", "mults", "1×1 bottleneck", "what if: filters"].map((t) => h("th", {}, t))),
      ...data.branches.map((b, i) => branchRow(b, i, order, onWidth)),
    ),
  );
}
