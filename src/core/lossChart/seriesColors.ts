/**
 * Curve colours that stay readable on the theme's background: a theme's chart colour that is too
 * close to the background is moved towards white (on dark themes) or black (on light ones) until
 * it stands out, keeping its hue.
 */

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** WCAG 2 asks 3:1 for the parts of a graphic that carry its meaning. */
export const MIN_CURVE_CONTRAST = 3;

/** `rgb(…)`/`rgba(…)` as a browser resolves a CSS colour, or `#rgb`/`#rrggbb`. */
export function parseColor(text: string): Rgb | undefined {
  const functional = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(text.trim());
  if (functional) return { r: Number(functional[1]), g: Number(functional[2]), b: Number(functional[3]) };
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(text.trim());
  if (!hex) return undefined;
  const digits = hex[1].length === 3 ? [...hex[1]].map((d) => d + d).join('') : hex[1];
  return { r: parseInt(digits.slice(0, 2), 16), g: parseInt(digits.slice(2, 4), 16), b: parseInt(digits.slice(4, 6), 16) };
}

export function formatRgb({ r, g, b }: Rgb): string {
  return `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`;
}

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function relativeLuminance({ r, g, b }: Rgb): number {
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

export function contrastRatio(a: Rgb, b: Rgb): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

function mix(from: Rgb, to: Rgb, amount: number): Rgb {
  return { r: from.r + (to.r - from.r) * amount, g: from.g + (to.g - from.g) * amount, b: from.b + (to.b - from.b) * amount };
}

/** `color` as it is when it stands out from `background` enough, else the least change that makes it. */
export function readableOn(color: string, background: string, minContrast = MIN_CURVE_CONTRAST): string {
  const fg = parseColor(color);
  const bg = parseColor(background);
  if (!fg || !bg || contrastRatio(fg, bg) >= minContrast) return color;
  const white = { r: 255, g: 255, b: 255 };
  const black = { r: 0, g: 0, b: 0 };
  const target = contrastRatio(white, bg) >= contrastRatio(black, bg) ? white : black;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 20; i++) {
    const mid = (lo + hi) / 2;
    if (contrastRatio(mix(fg, target, mid), bg) >= minContrast) hi = mid;
    else lo = mid;
  }
  // Rounded towards the target, so that rounding cannot take the contrast back under the minimum.
  const toward = target === white ? Math.ceil : Math.floor;
  const { r, g, b } = mix(fg, target, hi);
  return formatRgb({ r: toward(r), g: toward(g), b: toward(b) });
}
