import { formatCount } from './diagnostics';
import { isExampleTextPath, tuningSpecSchema } from './schemaCheck';
import { type JsonPath } from './yamlSource';

/** The parts of a JSON Schema (draft 7) that completion and hover read. */
export interface SchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  examples?: unknown[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  pattern?: string;
  $ref?: string;
  if?: SchemaNode;
  then?: SchemaNode;
  else?: SchemaNode;
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  not?: SchemaNode;
  required?: string[];
}

const ROOT = tuningSpecSchema as unknown as SchemaNode & { definitions: Record<string, SchemaNode> };

function resolve(node: SchemaNode): SchemaNode {
  let current = node;
  for (let hops = 0; current.$ref && hops < 10; hops++) {
    const name = /^#\/definitions\/(.+)$/.exec(current.$ref)?.[1];
    const target = name ? ROOT.definitions[name] : undefined;
    if (!target) break;
    // Annotations next to a $ref (a description) win over the target's.
    const { $ref: _ref, ...siblings } = current;
    current = { ...target, ...siblings, $ref: target.$ref };
  }
  return current;
}

/** The node and every schema it combines with (`$ref`, `if/then/else`, `allOf`...), all resolved. */
function alternatives(node: SchemaNode): SchemaNode[] {
  const out: SchemaNode[] = [];
  const queue = [node];
  while (queue.length > 0 && out.length < 50) {
    const next = resolve(queue.shift()!);
    out.push(next);
    for (const branch of [next.then, next.else, ...(next.allOf ?? []), ...(next.anyOf ?? []), ...(next.oneOf ?? [])]) if (branch) queue.push(branch);
  }
  return out;
}

/** Every schema that may describe the value at `path` (a key may be a string in one branch and a mapping in another). */
export function schemasAt(path: JsonPath): SchemaNode[] {
  let current = alternatives(ROOT);
  for (const segment of path) {
    const next: SchemaNode[] = [];
    for (const node of current) {
      const child = typeof segment === 'number' ? node.items : node.properties?.[segment];
      if (child) next.push(...alternatives(child));
    }
    if (next.length === 0) return [];
    current = next;
  }
  return current;
}

/** The keys a mapping at `path` may hold, in the schema's order, each with the schemas of its value. */
export function propertiesAt(path: JsonPath): Map<string, SchemaNode[]> {
  const out = new Map<string, SchemaNode[]>();
  for (const node of schemasAt(path)) {
    for (const [key, child] of Object.entries(node.properties ?? {})) out.set(key, [...(out.get(key) ?? []), ...alternatives(child)]);
  }
  return out;
}

/** Keys that the schema forbids next to keys already present (`not: {required: [a, b]}`: a or b, not both). */
export function excludedBy(path: JsonPath, present: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const node of schemasAt(path)) {
    const together = node.not?.required;
    if (!together || together.length !== 2) continue;
    const [a, b] = together;
    if (present.includes(a)) out.add(b);
    if (present.includes(b)) out.add(a);
  }
  return out;
}

/** The first value of `pick` among the schemas that has one. */
export function first<T>(nodes: readonly SchemaNode[], pick: (n: SchemaNode) => T | undefined): T | undefined {
  for (const node of nodes) {
    const value = pick(node);
    if (value !== undefined) return value;
  }
  return undefined;
}

const TYPE_NAMES: Record<string, string> = { string: 'text', number: 'number', integer: 'whole number', boolean: 'true/false', array: 'list', object: 'mapping' };

/** "number", "text or mapping or list": what a person may write there. */
export function typeLabel(nodes: readonly SchemaNode[]): string | undefined {
  const types = new Set<string>();
  for (const node of nodes) for (const t of [node.type ?? []].flat()) types.add(TYPE_NAMES[t] ?? t);
  if (types.size === 0 && nodes.some((n) => n.enum)) types.add('one of a list');
  return types.size > 0 ? [...types].join(' or ') : undefined;
}

/** The documented limits, in words: "0 to 1", "at least 1", "at most 40 characters". */
export function limitsOf(nodes: readonly SchemaNode[]): string[] {
  const out: string[] = [];
  const low = first(nodes, (n) => n.minimum);
  const high = first(nodes, (n) => n.maximum);
  const above = first(nodes, (n) => n.exclusiveMinimum);
  if (low !== undefined && high !== undefined) out.push(`from ${low} to ${high}`);
  else if (low !== undefined) out.push(`at least ${low}`);
  else if (high !== undefined) out.push(`at most ${high}`);
  if (above !== undefined) out.push(`greater than ${above}`);
  const maxLength = first(nodes, (n) => n.maxLength);
  if (maxLength !== undefined) out.push(`at most ${formatCount(maxLength)} characters`);
  const values = first(nodes, (n) => n.enum);
  if (values) out.push(`one of ${values.map((v) => `\`${String(v)}\``).join(', ')}`);
  const pattern = first(nodes, (n) => (n.pattern && n.pattern !== '\\S' ? n.pattern : undefined));
  if (pattern) out.push(`of the form \`${pattern}\``);
  return out;
}

/** The numeric range a value may take, for clamping: inclusive bounds, integers when the schema says so. */
export function numericRangeOf(nodes: readonly SchemaNode[]): { min?: number; max?: number; integer: boolean } | undefined {
  const integer = nodes.some((n) => [n.type ?? []].flat().includes('integer'));
  let min = first(nodes, (n) => n.minimum);
  const max = first(nodes, (n) => n.maximum);
  const above = first(nodes, (n) => n.exclusiveMinimum);
  if (above !== undefined && integer) min = Math.max(min ?? -Infinity, Math.floor(above) + 1);
  if (min === undefined && max === undefined) return undefined;
  return { min, max, integer };
}

/**
 * Markdown documentation of the field at `path`: what it means, its type, limits and default.
 * `platformLimit`, when given, replaces the schema's character limit of an example's text (the
 * Gemini API's) with the limit of the spec's platform.
 */
export function fieldDocumentation(path: JsonPath, platformLimit?: { exampleText: string }): string | undefined {
  const nodes = schemasAt(path);
  if (nodes.length === 0) return undefined;
  const name = [...path].reverse().find((s) => typeof s === 'string');
  const parts: string[] = [];
  const type = typeLabel(nodes);
  parts.push(`**${name ?? 'Tuning spec'}**${type ? ` (${type})` : ''}`);
  const replaced = platformLimit !== undefined && isExampleTextPath(path);
  const description = first(nodes, (n) => n.description);
  if (description) parts.push(replaced ? description.replace(/, at most [\d,]+ characters\./, '.') : description);
  const facts: string[] = [];
  const limits = replaced ? [platformLimit.exampleText] : limitsOf(nodes);
  if (limits.length > 0) facts.push(`Limit: ${limits.join('; ')}`);
  const fallback = first(nodes, (n) => n.default);
  if (fallback !== undefined) facts.push(`Default: \`${String(fallback)}\``);
  const example = first(nodes, (n) => n.examples?.[0]);
  if (example !== undefined) facts.push(`Example: \`${String(example)}\``);
  if (facts.length > 0) parts.push(facts.map((f) => `- ${f}`).join('\n'));
  return parts.join('\n\n');
}
