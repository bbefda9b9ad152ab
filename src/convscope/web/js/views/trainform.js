// The Train page's form: architecture and its options, data, optimisation, augmentations,
// presets. It holds no rule: the server checks every value (as `convscope train` does)
// and its one-line message is shown beside the control it names.
import { el } from "./dom.js";

const FIELDS = [
  ["name", "Run name", "text"],
  ["data", "Dataset", "select"],
  ["limit_train", "Training images", "number", { min: 1, step: 1, placeholder: "all" }],
  ["val_fraction", "Held out for validation", "number", { min: 0, max: 0.99, step: 0.05 }],
  ["epochs", "Epochs", "number", { min: 1, step: 1 }],
  ["batch_size", "Batch size", "number", { min: 1, step: 1 }],
  ["optimizer", "Optimiser", "select"],
  ["lr", "Learning rate", "number", { step: "any", min: 0 }],
  ["schedule", "Schedule", "select"],
  ["seed", "Seed", "number", { min: 0, step: 1 }],
];

function field(id, label, control) {
  const row = el("label", "train-field", { "data-field": id });
  row.append(el("span", "", {}, label), control);
  return row;
}

/**
 * options: the server's /api/train/options. handlers: {onStart(values), onCheck(values), onAugment(values)}.
 * Returns {values(), apply(values), showError(message, field), showOk(message), busy(flag), previewSlots}
 * (previewSlots: Map(title -> element) for views/augpreview.js).
 */
export function createTrainForm(root, options, handlers) {
  root.replaceChildren();
  const controls = new Map();
  const main = el("fieldset", "", {}, "");
  main.append(el("legend", "", {}, "Run"));
  for (const [id, label, kind, attrs = {}] of FIELDS) {
    let control;
    if (kind === "select") {
      control = el("select", "", { id: `train-${id}`, name: id });
      const choices = { data: options.datasets, optimizer: options.optimizers, schedule: options.schedules }[id];
      for (const choice of choices) control.append(el("option", "", { value: choice }, choice));
    } else {
      control = el("input", "", { id: `train-${id}`, name: id, type: kind, ...attrs });
    }
    controls.set(id, control);
    main.append(field(id, label, control));
  }

  const archBox = el("fieldset");
  archBox.append(el("legend", "", {}, "Architecture"));
  const arch = el("select", "", { id: "train-arch", name: "arch" });
  for (const a of options.architectures) arch.append(el("option", "", { value: a.name }, a.name));
  controls.set("arch", arch);
  archBox.append(field("arch", "Architecture", arch));
  const optionRows = el("div", "arch-options");
  archBox.append(optionRows);
  const optionControls = new Map();

  function showOptions(name, given = {}) {
    optionRows.replaceChildren();
    optionControls.clear();
    const entry = options.architectures.find((a) => a.name === name);
    for (const [key, value] of Object.entries(entry ? entry.options : {})) {
      if (key === "num_classes") continue; // taken from the data
      const type = typeof value === "number" ? "number" : "text";
      const control = el("input", "", { id: `train-opt-${key}`, name: key, type, ...(type === "number" ? { step: "any" } : {}) });
      control.value = String(key in given ? given[key] : value);
      control.dataset.default = String(value);
      optionControls.set(key, control);
      optionRows.append(field(`arch_options.${key}`, key.replaceAll("_", " "), control));
    }
  }
  arch.addEventListener("change", () => showOptions(arch.value, fittingOptions(arch.value)));

  const augBox = el("fieldset", "", { "data-field": "augment" });
  augBox.append(el("legend", "", {}, "Augmentation (a few training images as each control changes them)"));
  const augControls = new Map();
  const previewSlots = new Map([["original", el("div", "aug-strip", { "data-preview": "original" })]]);
  const originals = el("div", "train-field");
  originals.append(el("span", "", {}, "original"), previewSlots.get("original"));
  augBox.append(originals);
  for (const [name, spec] of Object.entries(options.augmentations)) {
    const box = el("input", "", { type: "checkbox", id: `train-aug-${name}` });
    const strength = el("input", "", { type: "number", id: `train-aug-${name}-value`, step: "any", min: 0, max: spec.largest, "aria-label": `${name} strength` });
    strength.value = String(spec.default);
    const row = el("div", "train-field", { "data-field": `augment.${name}` });
    const label = el("label", "", { for: box.id }, name);
    row.append(label, el("span", "", {}, ""));
    row.lastChild.append(box);
    if (name !== "flip") row.lastChild.append(" strength ", strength); // flip is on or off
    augControls.set(name, { box, strength });
    const strip = el("div", "aug-strip", { "data-preview": name });
    previewSlots.set(name, strip);
    row.append(strip);
    augBox.append(row);
  }
  const together = el("div", "train-field");
  previewSlots.set("all", el("div", "aug-strip", { "data-preview": "all" }));
  together.append(el("span", "", {}, "all together"), previewSlots.get("all"));
  augBox.append(together);
  // The preview follows the augmentations, the dataset and the seed (the app debounces the requests).
  const previewed = () => handlers.onAugment?.(values());
  for (const node of [augBox, controls.get("data"), controls.get("seed")]) {
    node.addEventListener("change", previewed);
    node.addEventListener("input", previewed);
  }

  const message = el("p", "form-message", { role: "status", "aria-live": "polite" });
  const start = el("button", "primary", { type: "button", id: "train-start" }, "Start");
  const check = el("button", "", { type: "button", id: "train-check" }, "Check settings");
  const buttons = el("div", "train-buttons");
  buttons.append(start, check);

  const presets = el("fieldset", "train-presets");
  presets.append(el("legend", "", {}, "Lessons, one click each (fill the form; then Start)"));
  for (const preset of options.presets) { // the server's lessons (training/presets.py)
    const button = el("button", "", { type: "button", "data-preset": preset.id }, preset.label);
    button.addEventListener("click", () => {
      apply(preset.values);
      controls.get("name").value = `${preset.id}-${stamp()}`;
      message.className = "form-message ok";
      message.textContent = preset.note;
      previewed();
    });
    presets.append(button, el("p", "preset-note", {}, preset.note));
  }

  root.append(main, archBox, augBox, buttons, message, presets);

  /** Options that make a zoo architecture fit the dataset's images (1×28×28 for Fashion-MNIST). */
  function fittingOptions(name) {
    const entry = options.architectures.find((a) => a.name === name);
    const fit = {};
    const shape = options.dataset_shapes && options.dataset_shapes[controls.get("data").value];
    if (entry && shape) {
      if ("in_channels" in entry.options) fit.in_channels = shape[0];
      if ("input_size" in entry.options) fit.input_size = shape[1];
    }
    if (name === "tinyvgg") fit.padding = 1;
    return fit;
  }

  function values() {
    const out = { arch: arch.value, arch_options: {}, augment: [] };
    for (const [id, control] of controls) {
      if (id === "arch") continue;
      if (control.type === "number") {
        if (control.value.trim() !== "") out[id] = Number(control.value);
        else if (id !== "limit_train") out[id] = control.value; // empty: the server names the field
      } else out[id] = control.value;
    }
    for (const [key, control] of optionControls) {
      if (control.value === control.dataset.default) continue;
      out.arch_options[key] = control.type === "number" ? Number(control.value) : control.value;
    }
    for (const [name, { box, strength }] of augControls) {
      if (box.checked) out.augment.push(name === "flip" ? "flip" : `${name}=${strength.value}`);
    }
    return out;
  }

  function apply(given) {
    const { augment, arch_options: archOptions, ...rest } = given;
    for (const [id, value] of Object.entries(rest)) {
      const control = controls.get(id);
      if (control) control.value = value === null || value === undefined ? "" : String(value);
    }
    if (given.arch) showOptions(given.arch, { ...fittingOptions(given.arch), ...(archOptions ?? {}) });
    else {
      // A preset names only the options it changes; options the architecture lacks are left out.
      for (const [key, value] of Object.entries(archOptions ?? {})) if (optionControls.has(key)) optionControls.get(key).value = String(value);
    }
    if (augment) {
      for (const [name, { box, strength }] of augControls) {
        const item = augment.find((a) => a === name || a.startsWith(`${name}=`));
        box.checked = Boolean(item);
        if (item && item.includes("=")) strength.value = item.split("=")[1];
      }
    }
  }

  function clearErrors() {
    for (const node of root.querySelectorAll(".field-error")) node.remove();
    for (const node of root.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
    message.textContent = "";
    message.className = "form-message";
  }

  function showError(text, fieldName) {
    clearErrors();
    message.textContent = text;
    const row = fieldName && root.querySelector(`[data-field="${CSS.escape(fieldName)}"]`);
    if (row) {
      row.append(el("span", "field-error", { role: "alert" }, text));
      const control = row.querySelector("input, select");
      if (control) {
        control.setAttribute("aria-invalid", "true");
        control.focus();
      }
    }
  }

  start.addEventListener("click", () => handlers.onStart(values()));
  check.addEventListener("click", () => handlers.onCheck(values()));
  root.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.tagName === "INPUT" && event.target.type !== "checkbox") handlers.onCheck(values());
  });

  const defaults = { ...options.defaults, arch: "tinyvgg", data: options.datasets[0] ?? "", name: `tinyvgg-${stamp()}`, limit_train: 5000, epochs: 3 };
  apply(defaults);
  return {
    values,
    apply,
    showError,
    showOk(text) {
      clearErrors();
      message.className = "form-message ok";
      message.textContent = text;
    },
    clearErrors,
    previewSlots,
    busy(flag) {
      start.disabled = flag;
      check.disabled = flag;
    },
    newName() {
      controls.get("name").value = `${arch.value}-${stamp()}`;
    },
  };
}

function stamp() {
  const d = new Date();
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}-${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}`;
}
