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

// formatRate writes a download speed: 2.5e6 → "2.5 MB/s".
export function formatRate(bytesPerSecond) {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return "";
  return formatBytes(bytesPerSecond) + "/s";
}

// formatDuration writes a remaining time: 75 → "1 min 15 s", 7300 → "2 h 2 min".
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
