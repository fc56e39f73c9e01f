import { isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import { formatCount } from './diagnostics';
import { type Position, type Range } from './positions';
import { fieldDocumentation } from './schemaNavigator';
import { CHARACTERS_PER_TOKEN, textSaysVertex, VERTEX_LIMITS } from './vertexSpec';
import { YamlSource, type JsonPath } from './yamlSource';

/** The key or scalar value under `offset`, with the data path of the field it belongs to. */
export function fieldAt(source: YamlSource, offset: number): { path: JsonPath; node: Node; role: 'key' | 'value' } | undefined {
  const stack: Array<{ node: unknown; path: (string | number)[] }> = [{ node: source.doc.contents, path: [] }];
  const within = (n: unknown): n is Node => isScalar(n) && !!n.range && n.range[0] <= offset && offset <= n.range[1];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const childPath = [...path, String(pair.key.value)];
        if (within(pair.key)) return { path: childPath, node: pair.key, role: 'key' };
        if (within(pair.value)) return { path: childPath, node: pair.value, role: 'value' };
        stack.push({ node: pair.value, path: childPath });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => stack.push({ node: item, path: [...path, index] }));
    }
  }
  return undefined;
}

/** Hover documentation from the shipped JSON Schema for the key (or its value) under the cursor. */
export function specHover(text: string, position: Position): { range: Range; markdown: string } | undefined {
  const source = new YamlSource(text, '');
  const offset = offsetOf(text, position);
  const field = fieldAt(source, offset);
  if (!field) return undefined;
  const vertexLimit = `about ${formatCount(VERTEX_LIMITS.maxTokensPerExample)} tokens, input and output together (estimated at ${CHARACTERS_PER_TOKEN} characters a token), on Vertex AI`;
  const markdown = fieldDocumentation(field.path, textSaysVertex(text) ? { exampleText: vertexLimit } : undefined);
  if (!markdown) return undefined;
  return { range: source.nodeRange(field.node), markdown };
}

/** The offset of a zero-based line and UTF-16 character. */
export function offsetOf(text: string, position: Position): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  return Math.min(text.length, offset + position.character);
}
