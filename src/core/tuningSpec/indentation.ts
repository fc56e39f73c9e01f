import { type Position, type Range } from './positions';

/** Parser errors that an indentation mistake produces, usually reported on a neighbouring line. */
const INDENTATION_ERRORS = new Set(['BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY', 'BAD_INDENT', 'MISSING_CHAR']);

interface LineShape {
  /** Column of the first character that is not a space. */
  indent: number;
  /** Column where the content starts after any `- ` sequence markers: where a key of this line sits. */
  keyColumn: number;
  key: string | undefined;
  end: number;
}

function shapeOf(text: string): LineShape | undefined {
  const trimmed = text.trimEnd();
  const indent = trimmed.length - trimmed.trimStart().length;
  if (trimmed.length === indent || trimmed[indent] === '#') return undefined;
  const marker = /^(?:-[ ]+)*/.exec(trimmed.slice(indent))![0];
  const key = /^([^:#{}[\],]+?):(?:\s|$)/.exec(trimmed.slice(indent + marker.length))?.[1]?.trim();
  return { indent, keyColumn: indent + marker.length, key, end: trimmed.length };
}

function contentLine(lines: readonly string[], from: number, step: 1 | -1): number | undefined {
  for (let l = from; l >= 0 && l < lines.length; l += step) if (shapeOf(lines[l])) return l;
  return undefined;
}

function spaces(n: number): string {
  return n === 1 ? '1 space' : `${n} spaces`;
}

/**
 * The line a person most likely broke, for a parser error caused by indentation. The `yaml`
 * parser reports a line indented too far at the end of the line above it ("Nested mappings are
 * not allowed in compact mappings", at the value of the previous key) and a misaligned key at the
 * blank line before it; people look for the mistake where the error is shown.
 */
export function indentationCulprit(text: string, code: string, message: string, errorLine: number, errorEnd: Position): { range: Range; message: string } | undefined {
  if (!INDENTATION_ERRORS.has(code)) return undefined;
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const at = (line: number, message: string) => {
    const shape = shapeOf(lines[line])!;
    return { range: { start: { line, character: shape.indent }, end: { line, character: shape.end } }, message };
  };

  if (code === 'BLOCK_AS_IMPLICIT_KEY' || code === 'MULTILINE_IMPLICIT_KEY') {
    const valueLine = contentLine(lines, errorLine, 1);
    if (valueLine === undefined || valueLine !== errorLine) return undefined;
    const next = contentLine(lines, valueLine + 1, 1);
    if (next === undefined) return undefined;
    const value = shapeOf(lines[valueLine])!;
    const deeper = shapeOf(lines[next])!;
    if (deeper.indent <= value.indent) return undefined;
    const before = contentLine(lines, valueLine - 1, -1);
    const above = before === undefined ? undefined : shapeOf(lines[before]);
    // `a: 1` / `b: 2` / `  c: 3` is `b` outdented when `c` lines up with `a`, else `c` indented too far.
    if (above && above.indent === deeper.indent && value.indent < deeper.indent && value.key !== undefined) {
      return at(valueLine, `This line is indented less than the lines around it: indent it by ${spaces(deeper.indent)}, like line ${before! + 1}`);
    }
    const owner = value.key !== undefined ? `"${value.key}"` : `line ${valueLine + 1}`;
    return at(
      next,
      `This line is indented further than ${owner} on line ${valueLine + 1}, which already has a value: line it up with ${owner} (${spaces(value.keyColumn)}), or move that value below it`,
    );
  }

  // Other errors are right when they are on a line with content; on a blank line, the next line is meant.
  const line = contentLine(lines, errorLine, 1);
  if (line === undefined || line === errorLine || line > Math.max(errorLine, errorEnd.line)) return undefined;
  return at(line, code === 'BAD_INDENT' && /same column/.test(message) ? 'This line is not lined up with the keys it belongs with: every key of a mapping must start in the same column' : `YAML syntax error: ${message.split('\n')[0]}`);
}
