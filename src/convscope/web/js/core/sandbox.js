// The sandbox page's pure helpers: which calculator the URL names, the request body
// from the form's values, and how the server's result is laid out for display.
// Every number shown comes from the server's Calculation; nothing is computed here.

/** "?op=pool" -> "pool" when the catalog offers it, else the catalog's first operation. */
export function operationFromSearch(search, operations) {
  const wanted = new URLSearchParams(search).get("op");
  return operations.some((o) => o.id === wanted) ? wanted : operations[0].id;
}

/** The query string for an operation: the first is the default and leaves the URL bare. */
export function searchForOperation(id, operations) {
  return id === operations[0].id ? "" : `?op=${encodeURIComponent(id)}`;
}

/** The field values a form starts with: each field's default from the catalog. */
export function defaultValues(operation) {
  return Object.fromEntries(operation.fields.map((f) => [f.name, f.default]));
}

/** The body to POST: text fields as typed, whole numbers as typed text (the server parses), flags as booleans. */
export function requestBody(operation, values) {
  const body = {};
  for (const f of operation.fields) {
    const v = values[f.name];
    if (f.type === "bool") body[f.name] = Boolean(v);
    else if (v !== undefined && v !== null && String(v).trim() !== "") body[f.name] = String(v);
  }
  return body;
}

/** A number at full precision, as the server sent it (-0 shown as 0). */
export function fullText(v) {
  return Object.is(v, -0) ? "0" : String(v);
}

/** The kernel select's value for a field value: a classic kernel's name, else "custom". */
export function kernelChoice(value, kernels) {
  const name = String(value ?? "").trim().toLowerCase();
  return kernels.some((k) => k.name === name) ? name : "custom";
}

/** A classic kernel's weights as text the kernel box takes: "-1 0 1; -2 0 2; -1 0 1". */
export function kernelText(kernel) {
  return kernel.weights.map((row) => row.map(fullText).join(" ")).join("; ");
}

/** Steps split into the sentences (notes) and the worked steps (windows, values, terms), in order. */
export function splitSteps(steps) {
  return { notes: steps.filter((s) => s.step === "note"), worked: steps.filter((s) => s.step !== "note") };
}

/** The result as rows of numbers: a matrix stays, a vector is one row, counts are none. */
export function outputRows(result) {
  const out = result.output;
  if (!Array.isArray(out)) return [];
  return Array.isArray(out[0]) ? out : [out];
}

/** The input as rows when it is a matrix (conv, pool, ReLU), else null. */
export function inputRows(result) {
  const input = result.input;
  return Array.isArray(input) && Array.isArray(input[0]) ? input : null;
}

/**
 * The input cells a worked step reads, as "row,col" keys: every tap of a window (padding
 * taps lie outside 0…H−1 and are drawn as the zero ring), or the one value a value step is about.
 */
export function cellsOfStep(step) {
  const keys = new Set();
  if (Array.isArray(step.rows) && Array.isArray(step.cols)) {
    for (const r of step.rows) for (const c of step.cols) keys.add(`${r},${c}`);
  } else if (Array.isArray(step.position)) {
    keys.add(step.position.join(","));
  }
  return keys;
}

/** Rows of {key, value, pad} for a matrix with `padding` rings of zeros drawn around it (padding as the server used). */
export function paddedCells(rows, padding = 0) {
  const h = rows.length;
  const w = rows[0].length;
  const out = [];
  for (let r = -padding; r < h + padding; r++) {
    const line = [];
    for (let c = -padding; c < w + padding; c++) {
      const inside = r >= 0 && r < h && c >= 0 && c < w;
      line.push({ key: `${r},${c}`, value: inside ? rows[r][c] : 0, pad: !inside });
    }
    out.push(line);
  }
  return out;
}

/**
 * The output cell a worked step gives, "row,col", or null: a window's or value's position,
 * a softmax term's class (one row), a flattened value's unit in the `order` shown.
 */
export function outputCellOfStep(step, order = null) {
  if (Array.isArray(step.position)) return step.position.join(",");
  if (Number.isInteger(step.index)) return `0,${step.index}`;
  if (order && Number.isInteger(step[order])) return `0,${step[order]}`;
  return null;
}

/** Dense counts as rows of [label, value, formula] from the server's output and formulas. */
export function countRows(result) {
  const out = result.output;
  const formulas = result.formulas ?? {};
  return [
    ["weights", out.weights, formulas.weights],
    ["biases", out.biases, formulas.biases],
    ["parameters", out.params, formulas.params],
    ["multiplications", out.mults, null],
  ];
}
