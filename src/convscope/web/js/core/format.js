// Number and shape formatting shared by every view.

/** Three significant digits, switching to exponent form outside 0.001..99,999. */
export function formatValue(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

/** 0.9731 -> "97.3%". */
export function formatPercent(p) {
  return `${(p * 100).toFixed(1)}%`;
}

/** The shape orders a page can write, as the URL's `order` names them. */
export const ORDERS = [
  { id: "chw", label: "C×H×W" },
  { id: "hwc", label: "H×W×C" },
];

/**
 * [10, 26, 26] -> "10×26×26"; in order "hwc" a (C, H, W) shape reads "26×26×10".
 * Vectors and other ranks are written as they are.
 */
export function shapeText(shape, order = "chw") {
  const dims = order === "hwc" && shape.length === 3 ? [shape[1], shape[2], shape[0]] : shape;
  return dims.join("×");
}

/** 1234567 -> "1,234,567". */
export function formatCount(n) {
  return Math.round(n).toLocaleString("en-US");
}
