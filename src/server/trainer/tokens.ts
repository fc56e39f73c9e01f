/**
 * Tokens as the local server counts and streams them: one Unicode code point each, so astral
 * characters such as emoji are single tokens and a lone surrogate is still a token of its own.
 * (The network itself reads and writes the UTF-8 bytes of those code points.)
 */

export function countTokens(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
