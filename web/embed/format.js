// Byte counts and percentages for the embed page's progress line.

const units = ["B", "KB", "MB", "GB", "TB"];

// formatBytes writes a byte count with a decimal unit: 1185376 → "1.2 MB".
export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return "?";
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return (i === 0 ? String(n) : n.toFixed(n < 10 ? 1 : 0)) + " " + units[i];
}

// formatPercent writes done/total as "(42 %)", clamped to 0–100; "" without a total.
export function formatPercent(done, total) {
  if (!(total > 0)) return "";
  return `(${Math.min(100, Math.max(0, Math.floor((100 * done) / total)))} %)`;
}
