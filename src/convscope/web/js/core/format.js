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

/** [10, 26, 26] -> "10×26×26". */
export function shapeText(shape) {
  return shape.join("×");
}

/** 1234567 -> "1,234,567". */
export function formatCount(n) {
  return Math.round(n).toLocaleString("en-US");
}
