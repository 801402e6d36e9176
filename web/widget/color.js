// Colours from the accent attribute: checked by the browser's CSS parser, and a text
// colour that reads on them.

// validColor says whether s is a CSS colour; anything else is ignored.
export function validColor(s) {
  return typeof s === "string" && s.length <= 64 && typeof CSS !== "undefined" && CSS.supports("color", s);
}

// readableOn returns near-black or white, whichever reads better on the computed colour
// "rgb(r, g, b)" (relative luminance, as WCAG defines it); "" for anything else.
export function readableOn(rgb) {
  const m = /^rgba?\((\d+(?:\.\d+)?),? (\d+(?:\.\d+)?),? (\d+(?:\.\d+)?)/.exec(rgb);
  if (!m) return "";
  const lin = (c) => {
    c /= 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * lin(+m[1]) + 0.7152 * lin(+m[2]) + 0.0722 * lin(+m[3]);
  // Contrast with white (1.05 / (l + 0.05)) beats contrast with #111 above l ≈ 0.18.
  return l > 0.18 ? "#111111" : "#ffffff";
}
