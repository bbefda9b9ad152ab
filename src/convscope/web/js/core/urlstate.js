// The app's state mirrored in the URL query: one table of fields, so that
// new views (layer details, channels, positions) only add rows.

export const FIELDS = [
  { key: "model", type: "string", fallback: "" },
  { key: "image", type: "string", fallback: "" },
  { key: "view", type: "string", fallback: "overview" },
  { key: "layer", type: "string", fallback: "" },
  { key: "channel", type: "int", fallback: null },
  { key: "y", type: "int", fallback: null },
  { key: "x", type: "int", fallback: null },
  { key: "input", type: "int", fallback: null }, // the conv formula view's input channel
  // "Why this class?" (view=why, core/why.js): the class explained and the attribution method
  // ("": the server's default); Grad-CAM's layer is `layer`.
  { key: "class", type: "int", fallback: null },
  { key: "method", type: "string", fallback: "" },
  { key: "scale", type: "enum", values: ["unit", "block", "global"], fallback: "block" },
  { key: "details", type: "bool", fallback: false },
  // How every shape is written: C×H×W (PyTorch) or H×W×C (Keras and most courses).
  { key: "order", type: "enum", values: ["chw", "hwc"], fallback: "chw" },
  // The hyperparameter explorer's settings (core/explorer.js URL_KEYS): input size H,
  // kernel K, stride S, padding P, dilation D and the mode; absent: from the layer or defaults.
  { key: "H", type: "int", fallback: null },
  { key: "K", type: "int", fallback: null },
  { key: "S", type: "int", fallback: null },
  { key: "P", type: "padding", fallback: null }, // a number or "same"
  { key: "D", type: "int", fallback: null },
  { key: "op", type: "enum", values: ["conv", "pool"], fallback: "conv" },
  // The "Check yourself" panel (core/quiz.js): open or not, and the quiz it shows. The seed
  // stays text, so a bad one in a link reaches the server and the panel shows why it is refused.
  { key: "quiz", type: "bool", fallback: false },
  { key: "qseed", type: "string", fallback: "" },
  { key: "qtopics", type: "string", fallback: "" },
  { key: "qlevel", type: "string", fallback: "" },
  // The overview of deep networks (core/blocks.js): compact mode ("auto": the model's default),
  // the open blocks and the unfolded columns as comma lists ("": the model's default, "-": none).
  { key: "compact", type: "enum", values: ["auto", "on", "off"], fallback: "auto" },
  { key: "open", type: "string", fallback: "" },
  { key: "unfold", type: "string", fallback: "" },
  // "What excites this channel" (core/topk.js): the dataset its patches come from ("": the model's default).
  { key: "data", type: "string", fallback: "" },
];

/** Fields that make a new history entry when they change (the rest replace the current one). */
export const NAVIGATION_KEYS = ["model", "image", "view", "layer", "channel", "y", "x", "input", "H", "K", "S", "P", "D", "op"];

function read(field, text) {
  if (text === null) return field.fallback;
  if (field.type === "int") {
    const n = Number.parseInt(text, 10);
    return Number.isFinite(n) && n >= 0 ? n : field.fallback;
  }
  if (field.type === "padding") return text === "same" ? text : read({ ...field, type: "int" }, text);
  if (field.type === "bool") return text === "1" || text === "true";
  if (field.type === "enum") return field.values.includes(text) ? text : field.fallback;
  return text;
}

/** The default state. */
export function defaultState() {
  return Object.fromEntries(FIELDS.map((f) => [f.key, f.fallback]));
}

/** "?model=default&layer=conv_1_1" -> full state object (unknown keys ignored, bad values defaulted). */
export function decodeState(search) {
  const params = new URLSearchParams(search);
  return Object.fromEntries(FIELDS.map((f) => [f.key, read(f, params.get(f.key))]));
}

/** State -> "?model=…" listing only fields that differ from their defaults, in table order. */
export function encodeState(state) {
  const params = new URLSearchParams();
  for (const f of FIELDS) {
    const v = state[f.key];
    if (v === undefined || v === null || v === f.fallback || v === "") continue;
    params.set(f.key, f.type === "bool" ? (v ? "1" : "0") : String(v));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** True when going from `a` to `b` is a navigation (push a history entry). */
export function isNavigation(a, b) {
  return NAVIGATION_KEYS.some((k) => a[k] !== b[k]);
}
