// The sandbox's form: one tab per calculator (from the server's catalog), its explanation,
// its fields, a Compute button, and a one-line message beside the field a refusal is about.
import { defaultValues, kernelChoice, kernelText } from "../core/sandbox.js";
import { el } from "./dom.js";

const CUSTOM = "custom";

/** handlers: {onOperation(id), onCompute(id, values)}. Returns {show(id), submit(), showError(message, field), clearErrors(), busy(bool), resultRoot}. */
export function createSandbox(root, catalog, handlers) {
  const tabs = el("div", "sandbox-tabs", { role: "tablist", "aria-label": "Calculators" });
  const buttons = catalog.operations.map((op) => {
    const b = el("button", "sandbox-tab", { type: "button", role: "tab", id: `tab-${op.id}`, "data-op": op.id }, op.title);
    b.addEventListener("click", () => handlers.onOperation(op.id));
    tabs.append(b);
    return b;
  });
  tabs.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    const at = buttons.indexOf(document.activeElement);
    if (!step || at < 0) return;
    const next = buttons[(at + step + buttons.length) % buttons.length];
    next.focus();
    handlers.onOperation(next.dataset.op);
  });
  const panel = el("section", "sandbox-panel", { role: "tabpanel" });
  const resultRoot = el("section", "sandbox-result", { "aria-label": "Result", "aria-live": "polite" });
  root.append(tabs, panel, resultRoot);
  let current = null;

  function show(id) {
    const op = catalog.operations.find((o) => o.id === id);
    for (const b of buttons) {
      const on = b.dataset.op === id;
      b.setAttribute("aria-selected", String(on));
      b.tabIndex = on ? 0 : -1; // one stop in the Tab order; ←/→ move between calculators
      b.classList.toggle("active", on);
    }
    panel.setAttribute("aria-labelledby", `tab-${id}`);
    const intro = el("div", "sandbox-intro");
    intro.append(el("h2", "", {}, op.title), el("p", "sandbox-summary", {}, op.summary), el("p", "sandbox-formula", {}, op.formula));
    const form = el("form", "sandbox-form", { novalidate: "" });
    const values = defaultValues(op);
    const readers = op.fields.map((f) => fieldRow(form, f, values[f.name], catalog.kernels));
    const actions = el("div", "sandbox-actions");
    const compute = el("button", "sandbox-compute", { type: "submit" }, "Compute");
    const formError = el("span", "field-error", { id: "error-form", role: "alert" });
    actions.append(compute, formError);
    form.append(actions);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      handlers.onCompute(id, Object.fromEntries(readers.map((r) => [r.name, r.read()])));
    });
    panel.replaceChildren(intro, form);
    resultRoot.replaceChildren();
    current = { id, form, compute, formError };
  }

  function errorNode(field) {
    return (field && current.form.querySelector(`#error-${CSS.escape(field)}`)) || current.formError;
  }

  return {
    show,
    resultRoot,
    /** Compute with what the form holds now (the page does so when a calculator opens). */
    submit() {
      current.form.requestSubmit();
    },
    clearErrors() {
      current.form.querySelectorAll(".field-error").forEach((n) => (n.textContent = ""));
      current.form.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
    },
    showError(message, field) {
      const node = errorNode(field);
      node.textContent = message;
      const control = field && current.form.querySelector(`[name="${CSS.escape(field)}"]`);
      if (control) control.setAttribute("aria-invalid", "true");
    },
    busy(on) {
      current.compute.disabled = on;
      current.form.setAttribute("aria-busy", String(on));
    },
  };
}

/** One labelled control and its error line; returns {name, read()}. */
function fieldRow(form, field, value, kernels) {
  const row = el("div", `sandbox-field field-${field.type}`);
  const id = `field-${field.name}`;
  const error = el("span", "field-error", { id: `error-${field.name}`, role: "alert" });
  const help = el("span", "field-help", { id: `help-${field.name}` }, field.help);
  const described = { "aria-describedby": `help-${field.name} error-${field.name}` };
  let read;
  if (field.type === "kernel") {
    read = kernelControl(row, field, value, kernels, described);
  } else {
    const control = makeControl(field, value, { id, name: field.name, ...described });
    const label = el("label", "", { for: id }, field.label);
    if (field.type === "bool") row.append(control, label);
    else row.append(label, control);
    read = () => (field.type === "bool" ? control.checked : control.value);
  }
  row.append(help, error);
  form.append(row);
  return { name: field.name, read };
}

function makeControl(field, value, attrs) {
  if (field.type === "matrix") {
    const area = el("textarea", "", { ...attrs, rows: "4", spellcheck: "false" });
    area.value = String(value ?? "");
    submitOnEnter(area);
    return area;
  }
  if (field.type === "choice") {
    const select = el("select", "", attrs);
    for (const c of field.choices) select.append(el("option", "", { value: c.value }, c.label));
    select.value = value;
    return select;
  }
  if (field.type === "bool") {
    const box = el("input", "", { ...attrs, type: "checkbox" });
    box.checked = Boolean(value);
    return box;
  }
  const input = el("input", "", { ...attrs, type: "text", spellcheck: "false", ...(field.type === "whole" ? { inputmode: "numeric" } : {}) });
  input.value = String(value ?? "");
  return input;
}

/** Enter computes; Shift+Enter starts a new row. */
function submitOnEnter(area) {
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      area.form.requestSubmit();
    }
  });
}

/** A select of the classic kernels plus "custom", and the box a custom kernel is typed in. */
function kernelControl(row, field, value, kernels, described) {
  const select = el("select", "", { id: "field-kernel-choice", name: field.name, ...described });
  for (const k of kernels) select.append(el("option", "", { value: k.name }, k.name));
  select.append(el("option", "", { value: CUSTOM }, "custom (type it)"));
  const area = el("textarea", "", { id: "field-kernel-custom", rows: "3", spellcheck: "false", "aria-label": "Custom kernel rows" });
  submitOnEnter(area);
  const about = el("p", "kernel-about", { "aria-live": "polite" });
  select.value = kernelChoice(value, kernels);
  area.value = select.value === CUSTOM ? String(value ?? "") : kernelText(kernels.find((k) => k.name === select.value));
  const describe = () => {
    const k = kernels.find((c) => c.name === select.value);
    area.readOnly = Boolean(k);
    about.textContent = k ? `${k.divisor === 1 ? "" : `÷ ${k.divisor}: `}${k.detects}` : "Type the kernel's rows, e.g. 1 0; 0 -1.";
    if (k) area.value = kernelText(k);
  };
  select.addEventListener("change", () => {
    describe();
    if (select.value === CUSTOM) area.focus();
  });
  describe();
  row.append(el("label", "", { for: "field-kernel-choice" }, field.label), select, area, about);
  return () => (select.value === CUSTOM ? area.value : select.value);
}
