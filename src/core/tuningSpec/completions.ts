import { cursorContext } from './cursorContext';
import { type Position, type Range } from './positions';
import { GEMINI_ONLY, textSaysVertex, VERTEX_ONLY } from './vertexSpec';
import { excludedBy, fieldDocumentation, first, propertiesAt, schemasAt, typeLabel, type SchemaNode } from './schemaNavigator';

export interface SpecCompletion {
  label: string;
  kind: 'key' | 'value';
  /** Snippet syntax (`$0`, `${1|a,b|}`); later lines are indented relative to the cursor's line. */
  insertText: string;
  /** The text the completion replaces: the word being typed. */
  replace: Range;
  detail?: string;
  /** Markdown. */
  documentation?: string;
}

function types(nodes: readonly SchemaNode[]): Set<string> {
  return new Set(nodes.flatMap((n) => [n.type ?? []].flat()));
}

/** What follows a key: the start of a mapping or list below it, a choice of values, or a space. */
function keySnippet(key: string, nodes: readonly SchemaNode[]): string {
  const t = types(nodes);
  const values = first(nodes, (n) => n.enum);
  if (values) return `${key}: \${1|${values.map(String).join(',')}|}`;
  if (t.has('string') || t.has('number') || t.has('integer')) return `${key}: $0`;
  if (t.has('object')) return `${key}:\n  $0`;
  if (t.has('array')) return `${key}:\n  - $0`;
  return `${key}: $0`;
}

/**
 * Completion from the shipped JSON Schema, with no YAML extension: the keys valid in the mapping
 * at the cursor that it does not hold yet (nor one the schema forbids beside those it holds), or the values the schema lists for the key at the
 * cursor (an enum, or documented examples).
 */
export function specCompletions(text: string, position: Position, options: { vertexBaseModels?: readonly string[] } = {}): SpecCompletion[] {
  const context = cursorContext(text, position);
  if (!context) return [];
  // Only the keys of the spec's platform: a Gemini API spec is never offered Vertex AI's, nor the reverse.
  const vertex = textSaysVertex(text);
  const otherPlatform = (vertex ? GEMINI_ONLY : VERTEX_ONLY).map((p) => p.join('.'));
  if (context.kind === 'key') {
    const out: SpecCompletion[] = [];
    const excluded = excludedBy(context.path, context.existingKeys);
    for (const [key, nodes] of propertiesAt(context.path)) {
      if (context.existingKeys.includes(key) || excluded.has(key)) continue;
      if (otherPlatform.includes([...context.path, key].join('.'))) continue;
      out.push({ label: key, kind: 'key', insertText: keySnippet(key, nodes), replace: context.replace, detail: typeLabel(nodes), documentation: fieldDocumentation([...context.path, key]) });
    }
    return out;
  }
  const nodes = schemasAt(context.path);
  const values = new Set<string>();
  for (const node of nodes) for (const v of [...(node.enum ?? []), ...(node.examples ?? [])]) values.add(String(v));
  if (types(nodes).has('boolean')) values.add('true').add('false');
  if (context.path.length === 1 && context.path[0] === 'baseModel') {
    // Gemini API models are named models/…; Vertex AI's come from the setting when the editor passes it.
    for (const value of [...values]) if (value.startsWith('models/') === vertex) values.delete(value);
    if (vertex && options.vertexBaseModels?.length) {
      values.clear();
      for (const model of options.vertexBaseModels) values.add(model);
    }
  }
  const documentation = fieldDocumentation(context.path);
  return [...values].map((value) => ({ label: value, kind: 'value' as const, insertText: value.replace(/[$}\\]/g, '\\$&'), replace: context.replace, detail: typeLabel(nodes), documentation }));
}
