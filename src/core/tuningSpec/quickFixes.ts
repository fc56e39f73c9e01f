import { isMap, isPair, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import { didYouMean } from './didYouMean';
import { compareRanges, type Range } from './positions';
import { numericRangeOf, propertiesAt, schemasAt } from './schemaNavigator';
import { TUNED_MODEL_ID_PATTERN, tunedModelIdFromName } from './tunedModelId';
import { YamlSource, type JsonPath } from './yamlSource';

export interface SpecTextEdit {
  range: Range;
  newText: string;
}

export interface SpecQuickFix {
  title: string;
  edits: SpecTextEdit[];
  /** The fix to apply with one keystroke (Ctrl+. then Enter, or "Fix all"). */
  preferred: boolean;
}

/** The part of a diagnostic a fix is chosen by: its rule and where it is. */
export interface DiagnosticAnchor {
  code: string;
  range: Range;
}

interface Located {
  pair: Pair;
  map: YAMLMap;
  /** The path of the mapping that holds the pair. */
  parent: JsonPath;
  key: string;
}

/** The pair whose key or scalar value starts where the diagnostic starts. */
function pairAt(source: YamlSource, range: Range, role: 'key' | 'value'): Located | undefined {
  const stack: Array<{ node: unknown; path: (string | number)[] }> = [{ node: source.doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const target = (role === 'key' ? pair.key : pair.value) as Node | null;
        if (target?.range && compareRanges(source.nodeRange(target), range) === 0) return { pair, map: node, parent: path, key };
        stack.push({ node: pair.value, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => stack.push({ node: item, path: [...path, index] }));
    }
  }
  return undefined;
}

/** The whole lines of a `key: value` pair (with what is nested under it), or just the pair when it shares its line. */
function pairDeletion(source: YamlSource, pair: Pair): Range {
  const text = source.text;
  const key = pair.key as Node;
  const value = pair.value as Node | null;
  let start = key.range![0];
  let end = value?.range ? Math.max(value.range[1], key.range![1]) : key.range![1];
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  if (/^\s*$/.test(text.slice(lineStart, start))) start = lineStart;
  const lineEnd = text.indexOf('\n', end);
  const rest = text.slice(end, lineEnd < 0 ? text.length : lineEnd);
  if (/^\s*(#.*)?$/.test(rest.replace(/\r$/, ''))) end = lineEnd < 0 ? text.length : lineEnd + 1;
  return source.range(start, end);
}

function unknownKeyFixes(source: YamlSource, anchor: DiagnosticAnchor): SpecQuickFix[] {
  const located = pairAt(source, anchor.range, 'key');
  if (!located) return [];
  const fixes: SpecQuickFix[] = [];
  const present = new Set(located.map.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '')));
  const known = [...propertiesAt(located.parent).keys()].filter((k) => !present.has(k));
  const suggestion = didYouMean(located.key, known);
  if (suggestion) fixes.push({ title: `Change to "${suggestion}"`, edits: [{ range: anchor.range, newText: suggestion }], preferred: true });
  fixes.push({ title: `Remove "${located.key}"`, edits: [{ range: pairDeletion(source, located.pair), newText: '' }], preferred: !suggestion });
  return fixes;
}

function formatNumber(n: number): string {
  return String(Number(n.toPrecision(12)));
}

function valueFixes(source: YamlSource, anchor: DiagnosticAnchor): SpecQuickFix[] {
  const located = pairAt(source, anchor.range, 'value');
  if (!located || !isScalar(located.pair.value)) return [];
  const path = [...located.parent, located.key];
  const value = located.pair.value.value;
  if (typeof value === 'number' && Number.isFinite(value)) {
    const bounds = numericRangeOf(schemasAt(path));
    if (!bounds) return [];
    let clamped = value;
    if (bounds.min !== undefined && clamped < bounds.min) clamped = bounds.min;
    if (bounds.max !== undefined && clamped > bounds.max) clamped = bounds.max;
    if (clamped === value) return [];
    return [{ title: `Clamp to ${formatNumber(clamped)}`, edits: [{ range: anchor.range, newText: formatNumber(clamped) }], preferred: true }];
  }
  if (path.length === 1 && path[0] === 'tunedModelId' && typeof value === 'string' && !TUNED_MODEL_ID_PATTERN.test(value)) {
    const id = tunedModelIdFromName(value);
    if (!id) return [];
    return [{ title: `Change to the valid id "${id}"`, edits: [{ range: anchor.range, newText: id }], preferred: true }];
  }
  return [];
}

/** Each configured Vertex AI base model, the one the mistyped name most likely meant first (and preferred). */
function vertexBaseModelFixes(source: YamlSource, anchor: DiagnosticAnchor, baseModels: readonly string[]): SpecQuickFix[] {
  const located = pairAt(source, anchor.range, 'value');
  if (!located || !isScalar(located.pair.value) || typeof located.pair.value.value !== 'string') return [];
  const suggestion = didYouMean(located.pair.value.value, baseModels);
  const ordered = suggestion ? [suggestion, ...baseModels.filter((m) => m !== suggestion)] : [...baseModels];
  return ordered.map((model) => ({ title: `Change to "${model}"`, edits: [{ range: anchor.range, newText: model }], preferred: model === suggestion }));
}

/** What the fixes need beyond the text: the settings the diagnostics were checked against. */
export interface QuickFixContext {
  vertexBaseModels?: readonly string[];
}

/**
 * Quick fixes for one of the spec's diagnostics, worked out again from the text: the suggested
 * name or the removal of an unknown key, a number clamped into the schema's range, a name turned
 * into a valid tuned model id, and a configured Vertex AI base model for one that is not.
 */
export function quickFixesFor(text: string, anchor: DiagnosticAnchor, context: QuickFixContext = {}): SpecQuickFix[] {
  const source = new YamlSource(text, '');
  switch (anchor.code) {
    case 'unknown-key':
      return unknownKeyFixes(source, anchor);
    case 'schema':
      return valueFixes(source, anchor);
    case 'vertex-base-model':
      return vertexBaseModelFixes(source, anchor, context.vertexBaseModels ?? []);
    default:
      return [];
  }
}
