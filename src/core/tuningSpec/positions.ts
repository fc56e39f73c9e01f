import type { LineCounter } from 'yaml';

/** A zero-based position, the way VS Code counts: line and UTF-16 code unit within the line. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** `{ line, col }` as the `yaml` package reports it: both one-based. */
export interface OneBasedLinePos {
  line: number;
  col: number;
}

/**
 * The only place where the one-based positions of the `yaml` package (and the one-based line
 * numbers of data-file readers) become the zero-based positions the editor uses.
 */
export function fromOneBased(pos: OneBasedLinePos): Position {
  return { line: Math.max(0, pos.line - 1), character: Math.max(0, pos.col - 1) };
}

export function positionAt(lineCounter: LineCounter, offset: number): Position {
  return fromOneBased(lineCounter.linePos(offset));
}

/** Offsets `[start, end)` into the source, as YAML node ranges and error `pos` give them. */
export function rangeFromOffsets(lineCounter: LineCounter, start: number, end: number): Range {
  return { start: positionAt(lineCounter, start), end: positionAt(lineCounter, Math.max(start, end)) };
}

/**
 * Like `rangeFromOffsets`, but cut at the end of the first line: a squiggle under a whole
 * multi-line mapping is noise; its first line says which one is meant.
 */
export function firstLineRangeFromOffsets(lineCounter: LineCounter, source: string, start: number, end: number): Range {
  let cut = source.indexOf('\n', start);
  if (cut < 0) cut = source.length;
  if (cut > start && source[cut - 1] === '\r') cut--;
  return rangeFromOffsets(lineCounter, start, Math.min(Math.max(start, end), cut));
}

/** A whole line of a data file, given its one-based line number and its length in UTF-16 units. */
export function lineRange(oneBasedLine: number, length: number): Range {
  const line = Math.max(0, oneBasedLine - 1);
  return { start: { line, character: 0 }, end: { line, character: Math.max(0, length) } };
}

/** Lines `first..last` (one-based, inclusive) of a data file; `lastLength` is the last line's length. */
export function linesRange(firstOneBased: number, lastOneBased: number, lastLength: number): Range {
  return {
    start: { line: Math.max(0, firstOneBased - 1), character: 0 },
    end: { line: Math.max(0, lastOneBased - 1), character: Math.max(0, lastLength) },
  };
}

export const START_OF_FILE: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function compareRanges(a: Range, b: Range): number {
  return a.start.line - b.start.line || a.start.character - b.start.character || a.end.line - b.end.line || a.end.character - b.end.character;
}
