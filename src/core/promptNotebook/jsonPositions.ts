/**
 * A strict JSON parser that keeps the offset of every value, so that a malformed prompt notebook
 * can be reported with the line and column of the problem (JSON.parse only sometimes says where).
 */

export type JsonNode =
  | { kind: 'object'; offset: number; entries: JsonEntry[] }
  | { kind: 'array'; offset: number; items: JsonNode[] }
  | { kind: 'string'; offset: number; value: string }
  | { kind: 'number'; offset: number; value: number }
  | { kind: 'boolean'; offset: number; value: boolean }
  | { kind: 'null'; offset: number };

export interface JsonEntry {
  key: string;
  keyOffset: number;
  value: JsonNode;
}

export interface TextPosition {
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(reason);
    this.name = 'JsonSyntaxError';
  }
}

export function positionAt(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

const MAX_DEPTH = 200;

export function parseJsonWithPositions(text: string): JsonNode {
  let pos = 0;

  const fail = (reason: string, at = pos): never => {
    throw new JsonSyntaxError(reason, at);
  };
  const describe = (at: number): string =>
    at >= text.length ? 'the end of the file' : `'${text[at] === '\n' ? '\\n' : text[at]}'`;

  const skipWhitespace = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) pos++;
      else break;
    }
  };

  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    let chunkStart = pos;
    while (true) {
      if (pos >= text.length) fail('unterminated string', start);
      const c = text.charCodeAt(pos);
      if (c === 34) {
        out += text.slice(chunkStart, pos);
        pos++;
        return out;
      }
      if (c < 32) fail('control character in string (write it as an escape such as \\n)');
      if (c === 92) {
        out += text.slice(chunkStart, pos);
        const e = text[pos + 1];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const hex = text.slice(pos + 2, pos + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape in string');
            out += String.fromCharCode(parseInt(hex, 16));
            pos += 4;
            break;
          }
          default:
            fail(`bad escape '\\${e ?? ''}' in string`);
        }
        pos += 2;
        chunkStart = pos;
        continue;
      }
      pos++;
    }
  };

  const numberPattern = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

  const parseValue = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    skipWhitespace();
    const offset = pos;
    const c = text[pos];
    if (c === '{') {
      pos++;
      const entries: JsonEntry[] = [];
      const seen = new Set<string>();
      skipWhitespace();
      if (text[pos] === '}') {
        pos++;
        return { kind: 'object', offset, entries };
      }
      while (true) {
        skipWhitespace();
        if (text[pos] !== '"') fail(`expected a property name in double quotes but found ${describe(pos)}`);
        const keyOffset = pos;
        const key = parseString();
        if (seen.has(key)) fail(`duplicate property "${key}"`, keyOffset);
        seen.add(key);
        skipWhitespace();
        if (text[pos] !== ':') fail(`expected ':' after property name but found ${describe(pos)}`);
        pos++;
        const value = parseValue(depth + 1);
        entries.push({ key, keyOffset, value });
        skipWhitespace();
        if (text[pos] === ',') {
          pos++;
          skipWhitespace();
          if (text[pos] === '}') fail('trailing comma before }');
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return { kind: 'object', offset, entries };
        }
        fail(`expected ',' or '}' but found ${describe(pos)}`);
      }
    }
    if (c === '[') {
      pos++;
      const items: JsonNode[] = [];
      skipWhitespace();
      if (text[pos] === ']') {
        pos++;
        return { kind: 'array', offset, items };
      }
      while (true) {
        items.push(parseValue(depth + 1));
        skipWhitespace();
        if (text[pos] === ',') {
          pos++;
          skipWhitespace();
          if (text[pos] === ']') fail('trailing comma before ]');
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return { kind: 'array', offset, items };
        }
        fail(`expected ',' or ']' but found ${describe(pos)}`);
      }
    }
    if (c === '"') return { kind: 'string', offset, value: parseString() };
    if (text.startsWith('true', pos)) {
      pos += 4;
      return { kind: 'boolean', offset, value: true };
    }
    if (text.startsWith('false', pos)) {
      pos += 5;
      return { kind: 'boolean', offset, value: false };
    }
    if (text.startsWith('null', pos)) {
      pos += 4;
      return { kind: 'null', offset };
    }
    numberPattern.lastIndex = pos;
    const m = numberPattern.exec(text);
    if (m && m[0] !== '-') {
      pos += m[0].length;
      return { kind: 'number', offset, value: Number(m[0]) };
    }
    return fail(`expected a value but found ${describe(pos)}`);
  };

  if (text.charCodeAt(0) === 0xfeff) pos = 1;
  const root = parseValue(0);
  skipWhitespace();
  if (pos < text.length) fail(`unexpected ${describe(pos)} after the end of the document`);
  return root;
}

/** Plain JS value of a node (objects keep their key order). */
export function toPlainValue(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const e of node.entries) {
        Object.defineProperty(out, e.key, { value: toPlainValue(e.value), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'array':
      return node.items.map(toPlainValue);
    case 'null':
      return null;
    default:
      return node.value;
  }
}
