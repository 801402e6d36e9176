// Number formatting for the page: byte sizes and parameter counts.

const byteUnits = ["B", "KB", "MB", "GB", "TB"];

// formatBytes writes a byte count with a decimal unit: 1185376 → "1.2 MB".
export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return "?";
  let i = 0;
  while (n >= 1000 && i < byteUnits.length - 1) {
    n /= 1000;
    i++;
  }
  return (i === 0 ? String(n) : n.toFixed(n < 10 ? 1 : 0)) + " " + byteUnits[i];
}

// formatCount writes a parameter count the way model cards do: 292928 → "293K", 1.5e9 → "1.5B".
export function formatCount(n) {
  if (!Number.isFinite(n) || n <= 0) return "?";
  for (const [div, unit] of [[1e9, "B"], [1e6, "M"], [1e3, "K"]]) {
    if (n >= div) {
      const v = n / div;
      return (v < 10 ? v.toFixed(1).replace(/\.0$/, "") : Math.round(v)) + unit;
    }
  }
  return String(n);
}

// formatPercent writes a fraction as a whole percentage, clamped to 0–100.
export function formatPercent(done, total) {
  if (!(total > 0)) return "";
  return Math.min(100, Math.max(0, Math.floor((100 * done) / total))) + " %";
}
