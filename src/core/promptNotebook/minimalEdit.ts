/** The one replacement that turns a text into another, so an editor keeps everything around it. */

/** Replace `before.slice(start, end)` with `text`. */
export interface TextReplacement {
  start: number;
  end: number;
  text: string;
}

/**
 * Keeps the longest common prefix and suffix and replaces what lies between. Its ends never fall
 * inside a surrogate pair or a CRLF, where an editor offset would name half a character or half a
 * line break.
 */
export function minimalReplacement(before: string, after: string): TextReplacement {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  while (start > 0 && (splitsUnit(before, start) || splitsUnit(after, start))) start--;
  let end = before.length;
  let endAfter = after.length;
  while (end > start && endAfter > start && before[end - 1] === after[endAfter - 1]) {
    end--;
    endAfter--;
  }
  while (end < before.length && (splitsUnit(before, end) || splitsUnit(after, endAfter))) {
    end++;
    endAfter++;
  }
  return { start, end, text: after.slice(start, endAfter) };
}

/** Whether offset `at` falls between the halves of a surrogate pair or of a CRLF. */
function splitsUnit(text: string, at: number): boolean {
  if (at <= 0 || at >= text.length) return false;
  const previous = text.charCodeAt(at - 1);
  const next = text.charCodeAt(at);
  const surrogatePair = previous >= 0xd800 && previous <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
  return surrogatePair || (previous === 0x0d && next === 0x0a);
}

export function applyReplacement(before: string, replacement: TextReplacement): string {
  return before.slice(0, replacement.start) + replacement.text + before.slice(replacement.end);
}
