import { isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { type Position, type Range } from './positions';
import { type JsonPath } from './yamlSource';

/** Where the cursor is, for completion: on a key of the mapping at `path`, or on the value at `path`. */
export type CursorContext =
  | { kind: 'key'; path: JsonPath; existingKeys: string[]; replace: Range }
  | { kind: 'value'; path: JsonPath; replace: Range };

const PLACEHOLDER = 'zzcursorzz';
const KEY_BEFORE = /^(\s*(?:-[ \t]+)*)([A-Za-z_][\w-]*)?$/;
const VALUE_BEFORE = /^(\s*(?:-[ \t]+)*)([A-Za-z_][\w-]*):[ \t]+([^\s#'"{[]*)$/;

/**
 * The cursor's place in the spec's structure, found by the `yaml` parser: the word under the
 * cursor is replaced by a marker (`marker:` where a key is being typed, `key: marker` where a
 * value is), the text is parsed, and the marker's path is read from the tree. A half-typed line
 * is not valid YAML on its own, and the rest of the spec may be broken too; the parser still
 * places the marker where the indentation puts it.
 */
export function cursorContext(text: string, position: Position): CursorContext | undefined {
  const lines = text.split('\n');
  const line = lines[position.line];
  if (line === undefined) return undefined;
  const lineText = line.endsWith('\r') ? line.slice(0, -1) : line;
  const before = lineText.slice(0, position.character);
  const wordAfter = /^[\w-]*/.exec(lineText.slice(position.character))![0];
  const end = position.character + wordAfter.length;

  const asValue = VALUE_BEFORE.exec(before);
  if (asValue) {
    const valueAfter = /^[^\s#]*/.exec(lineText.slice(position.character))![0];
    lines[position.line] = `${asValue[1]}${asValue[2]}: ${PLACEHOLDER}`;
    const found = findMarker(lines.join('\n'));
    if (!found || found.as !== 'value') return undefined;
    const start = position.character - asValue[3].length;
    return { kind: 'value', path: found.path, replace: { start: { line: position.line, character: start }, end: { line: position.line, character: position.character + valueAfter.length } } };
  }
  const asKey = KEY_BEFORE.exec(before);
  if (!asKey) return undefined;
  lines[position.line] = `${asKey[1]}${PLACEHOLDER}:`;
  const found = findMarker(lines.join('\n'));
  if (!found || found.as !== 'key') return undefined;
  const start = position.character - (asKey[2]?.length ?? 0);
  return { kind: 'key', path: found.path, existingKeys: found.siblings, replace: { start: { line: position.line, character: start }, end: { line: position.line, character: end } } };
}

function findMarker(text: string): { as: 'key' | 'value'; path: JsonPath; siblings: string[] } | undefined {
  const doc = parseDocument(text, { logLevel: 'silent', uniqueKeys: false });
  const stack: Array<{ node: unknown; path: (string | number)[] }> = [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === PLACEHOLDER) {
          const siblings = node.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '')).filter((k) => k !== '' && k !== PLACEHOLDER);
          return { as: 'key', path, siblings };
        }
        if (isScalar(pair.value) && pair.value.value === PLACEHOLDER && key !== undefined) return { as: 'value', path: [...path, key], siblings: [] };
        if (key !== undefined) stack.push({ node: pair.value as Node, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => stack.push({ node: item, path: [...path, index] }));
    }
  }
  return undefined;
}
