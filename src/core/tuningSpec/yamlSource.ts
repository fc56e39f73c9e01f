import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { formatCount, type SpecDiagnostic } from './diagnostics';
import { indentationCulprit } from './indentation';
import { firstLineRangeFromOffsets, positionAt, rangeFromOffsets, START_OF_FILE, type Range } from './positions';

/** Aliases are legitimate in a spec, but thousands of them are an attack ("billion laughs"). */
export const MAX_ALIAS_COUNT = 1000;
/** Nothing in a spec is nested deeper than 4 levels; 64 leaves room and stops pathological input. */
export const MAX_NESTING_DEPTH = 64;

export type JsonPath = readonly (string | number)[];

/** A parsed spec with everything needed to turn a path in the data back into a range. */
export class YamlSource {
  readonly lineCounter = new LineCounter();
  readonly doc: Document.Parsed;

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    // logLevel 'error': problems become diagnostics; the library's console warnings (a mapping used
    // as a key, say) would only reach the extension host's log.
    this.doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
    // Counted here rather than by the parser, which skips the line breaks inside tokens it cannot
    // place (a scalar after the end of the document), and every position after them would be off.
    this.lineCounter.addNewLine(0);
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) this.lineCounter.addNewLine(nl + 1);
  }

  range(start: number, end: number): Range {
    return rangeFromOffsets(this.lineCounter, start, end);
  }

  /** The range of a node: all of a scalar, the first line of a collection. */
  nodeRange(node: Node | null | undefined): Range {
    if (!node?.range) return this.firstContentLine();
    const [start, valueEnd] = node.range;
    if (isScalar(node) || isAlias(node)) return this.range(start, valueEnd);
    return firstLineRangeFromOffsets(this.lineCounter, this.text, start, valueEnd);
  }

  /** The first line that holds content, for problems about the spec as a whole. */
  firstContentLine(): Range {
    const contents = this.doc.contents;
    if (isMap(contents) && contents.items.length > 0 && isPair(contents.items[0])) {
      const key = contents.items[0].key as Node | null;
      if (key?.range) return this.range(key.range[0], key.range[1]);
    }
    if (contents?.range) return firstLineRangeFromOffsets(this.lineCounter, this.text, contents.range[0], contents.range[1]);
    return START_OF_FILE;
  }

  /** Follows a data path through maps and sequences (and aliases) to the value node and its key. */
  locate(path: JsonPath): { node?: Node; key?: Node } {
    let node: Node | null | undefined = this.doc.contents as Node | null;
    let key: Node | undefined;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(this.doc) as Node | undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) return {};
        key = pair.key as Node;
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment] as Node | null;
        key = undefined;
      } else {
        return {};
      }
    }
    if (isAlias(node)) node = node.resolve(this.doc) as Node | undefined;
    return { node: node ?? undefined, key };
  }

  /** Range of the value at `path`; when the value is empty (`key:` alone), the key. */
  valueRange(path: JsonPath): Range {
    const { node, key } = this.locate(path);
    if (node?.range && node.range[1] > node.range[0]) return this.nodeRange(node);
    if (key) return this.nodeRange(key);
    return this.firstContentLine();
  }

  /** Range of the key `name` in the mapping at `parent`, falling back to the mapping itself. */
  keyRange(parent: JsonPath, name: string): Range {
    const { node } = this.locate(parent);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === name);
      if (pair) return this.nodeRange(pair.key as Node);
    }
    return this.valueRange(parent);
  }

  /** The syntax errors and warnings of the parser, and documents too deep to be a spec. */
  syntaxDiagnostics(): SpecDiagnostic[] {
    const out: SpecDiagnostic[] = [];
    let overflow: { pos: [number, number] } | undefined;
    const linesWithErrors = new Set<number>();
    for (const error of this.doc.errors) {
      // The parser recurses per nesting level and reports running out of stack as a syntax error,
      // at a place that depends on how deep the caller's stack already was.
      if (/call stack/i.test(error.message)) {
        overflow ??= error;
        continue;
      }
      const unclosed = /missing closing/i.test(error.message) ? this.quotedScalarEndingAt(error.pos[0]) : undefined;
      if (unclosed) {
        out.push({ file: this.file, range: firstLineRangeFromOffsets(this.lineCounter, this.text, unclosed.range![0], unclosed.range![1]), severity: 'error', code: 'yaml-syntax', message: 'This quoted value is never closed: add the closing quote where it ends' });
        continue;
      }
      const flowKind = /^Flow (map|sequence)\b.*end with an? [}\]]/i.exec(error.message)?.[1];
      const unclosedFlow = flowKind ? this.unclosedFlowCollectionBefore(error.pos[0], flowKind === 'map' ? '}' : ']') : undefined;
      if (unclosedFlow) {
        const [open, close] = isMap(unclosedFlow) ? ['{', '}'] : ['[', ']'];
        out.push({ file: this.file, range: firstLineRangeFromOffsets(this.lineCounter, this.text, unclosedFlow.range![0], unclosedFlow.range![1]), severity: 'error', code: 'yaml-syntax', message: `This ${open} is never closed: add the closing ${close} where it ends` });
        continue;
      }
      const culprit = indentationCulprit(this.text, error.code, error.message, positionAt(this.lineCounter, error.pos[0]).line, positionAt(this.lineCounter, error.pos[1]));
      if (culprit) {
        // One bad line makes the parser report two or three errors; the line is what matters.
        if (linesWithErrors.has(culprit.range.start.line)) continue;
        linesWithErrors.add(culprit.range.start.line);
        out.push({ file: this.file, range: culprit.range, severity: 'error', code: 'yaml-syntax', message: culprit.message });
        continue;
      }
      out.push({ file: this.file, range: this.range(error.pos[0], error.pos[1]), severity: 'error', code: 'yaml-syntax', message: friendlyYamlMessage(error.code, error.message) });
    }
    for (const warning of this.doc.warnings) {
      out.push({ file: this.file, range: this.range(warning.pos[0], warning.pos[1]), severity: 'warning', code: 'yaml-syntax', message: friendlyYamlMessage(warning.code, warning.message) });
    }
    const deep = this.firstNodeDeeperThan(MAX_NESTING_DEPTH);
    if (deep || overflow) {
      const range = deep ? this.nodeRange(deep) : this.range(overflow!.pos[0], overflow!.pos[1]);
      out.push({ file: this.file, range, severity: 'error', code: 'yaml-limits', message: `The spec is nested more than ${MAX_NESTING_DEPTH} levels deep; a tuning spec never needs that` });
    }
    return out;
  }

  /**
   * False when the parser could not make out the structure: the data it returns then is a guess
   * (a line indented too far becomes part of a key above it), and nothing should be checked or
   * summarised from it. A repeated key or a second document leave the structure readable.
   */
  get structureReadable(): boolean {
    return this.doc.errors.every((e) => STRUCTURE_PRESERVING_ERRORS.has(e.code));
  }

  /** A quoted scalar that runs to `offset`: the parser reports an unclosed quote at the end of the file, not where it opened. */
  private quotedScalarEndingAt(offset: number): Node | undefined {
    const stack: unknown[] = [this.doc.contents];
    while (stack.length > 0) {
      const node = stack.pop();
      if (isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && node.range && node.range[0] < offset && node.range[1] >= offset) return node;
      if (isMap(node)) for (const pair of node.items) stack.push(pair.key, pair.value);
      else if (isSeq(node)) stack.push(...node.items);
    }
    return undefined;
  }

  /**
   * The unclosed flow map (`close` is `}`) or sequence (`]`) that opened last before `offset`: the
   * parser reports the missing bracket where the next line starts, not where it opened.
   */
  private unclosedFlowCollectionBefore(offset: number, close: '}' | ']'): Node | undefined {
    let found: Node | undefined;
    const stack: unknown[] = [this.doc.contents];
    while (stack.length > 0) {
      const node = stack.pop();
      const kindMatches = close === '}' ? isMap(node) : isSeq(node);
      if (kindMatches && (node as { flow?: boolean }).flow) {
        const range = (node as Node).range;
        const closed = range != null && this.text.slice(range[0], range[1]).trimEnd().endsWith(close);
        if (range && !closed && range[0] < offset && (!found || range[0] > found.range![0])) found = node as Node;
      }
      if (isMap(node)) for (const pair of node.items) stack.push(pair.key, pair.value);
      else if (isSeq(node)) stack.push(...node.items);
    }
    return found;
  }

  /** Iterative, so a hostile document cannot overflow the stack here. */
  private firstNodeDeeperThan(limit: number): Node | undefined {
    const stack: Array<{ node: unknown; depth: number }> = [{ node: this.doc.contents, depth: 0 }];
    while (stack.length > 0) {
      const { node, depth } = stack.pop()!;
      if (depth > limit) return node as Node;
      if (isMap(node)) {
        for (const pair of node.items) stack.push({ node: pair.value, depth: depth + 1 }, { node: pair.key, depth: depth + 1 });
      } else if (isSeq(node)) {
        for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
      }
    }
    return undefined;
  }

  /** The spec as plain data, or a diagnostic when aliases expand past the limit. */
  toData(): { data?: unknown; diagnostic?: SpecDiagnostic } {
    try {
      return { data: this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
    } catch (error) {
      if (error instanceof ReferenceError && /alias/i.test(error.message)) {
        let firstAlias: Node | undefined;
        const stack: unknown[] = [this.doc.contents];
        while (stack.length > 0 && !firstAlias) {
          const node = stack.pop();
          if (isAlias(node)) firstAlias = node;
          else if (isMap(node)) for (const pair of node.items) stack.push(pair.value);
          else if (isSeq(node)) stack.push(...node.items);
        }
        return {
          diagnostic: {
            file: this.file,
            range: firstAlias ? this.nodeRange(firstAlias) : this.firstContentLine(),
            severity: 'error',
            code: 'yaml-limits',
            message: `The YAML aliases in this spec expand to more than ${formatCount(MAX_ALIAS_COUNT)} copies; this looks like an alias bomb, so the spec was not read`,
          },
        };
      }
      if (error instanceof RangeError) {
        return { diagnostic: { file: this.file, range: this.firstContentLine(), severity: 'error', code: 'yaml-limits', message: 'The spec is nested too deeply to be read' } };
      }
      throw error;
    }
  }
}

const STRUCTURE_PRESERVING_ERRORS = new Set<string>(['DUPLICATE_KEY', 'MULTIPLE_DOCS']);

const FRIENDLY_YAML_MESSAGES: Partial<Record<string, string>> = {
  MULTIPLE_DOCS: 'A tuning spec is a single YAML document; remove the second "---" section',
  DUPLICATE_KEY: 'This key appears twice in the same mapping; keep one',
  TAB_AS_INDENT: 'Tabs are not allowed as indentation in YAML; indent with spaces',
};

function friendlyYamlMessage(code: string, message: string): string {
  return FRIENDLY_YAML_MESSAGES[code] ?? `YAML syntax error: ${message.split('\n')[0]}`;
}
