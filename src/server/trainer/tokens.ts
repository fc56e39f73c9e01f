/**
 * The local model reads and writes one Unicode code point per token, so astral characters such as
 * emoji are single tokens and a lone surrogate is still a token of its own. Token counts in usage
 * metadata are these counts.
 */
export function toCodes(text: string): Int32Array {
  const codes = new Int32Array(text.length);
  let n = 0;
  for (const ch of text) codes[n++] = ch.codePointAt(0) ?? 0;
  return codes.slice(0, n);
}

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

export function codeToText(code: number): string {
  return String.fromCodePoint(code);
}
