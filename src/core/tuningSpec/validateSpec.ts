import * as path from 'node:path';
import { readExamplesFile, type DataFileResult, type ReadOptions } from './dataFiles';
import { formatCount, hasErrors, plural, sortDiagnostics, type SpecDiagnostic } from './diagnostics';
import { duplicateDiagnostics, exampleProblems, GEMINI_EXAMPLE_LIMITS, leakedValidationDiagnostics, MIN_TRAINING_EXAMPLES, VERTEX_EXAMPLE_LIMITS, type ExampleLimits, type ExampleOrigin, type LoadedExample } from './examples';
import { throwIfAborted } from './specFileSystem';
import { fileRefsOf, type LocatedFileRef, type TuningSpec } from './specModel';
import { schemaDiagnostics } from './schemaCheck';
import { summarize, type SpecSummary } from './summary';
import { YamlSource, type JsonPath } from './yamlSource';
import {
  convertedExampleTokenDiagnostics,
  exampleTokens,
  isVertexSpec,
  platformFieldDiagnostics,
  readContentsFile,
  summarizeVertex,
  vertexBaseModelDiagnostics,
  vertexHyperparameterDiagnostics,
  VERTEX_LIMITS,
  type ContentsFileResult,
} from './vertexSpec';

/**
 * Remembers data files by size and modification time, so that typing in a spec does not re-read
 * them. With `freshForMs`, an entry checked that recently is trusted without even a `stat`: the
 * editor invalidates entries from its file watcher, and a stat per keystroke costs more than
 * validating the spec itself.
 */
export class DataFileCache {
  // Examples files and Vertex AI contents files share it, under keys that say which reading it was.
  private readonly entries = new Map<string, { stamp: string; result: unknown; checkedAt: number }>();

  constructor(
    private readonly capacity = 32,
    private readonly freshForMs = 0,
  ) {}

  /** The entry, if it was checked less than `freshForMs` ago. */
  fresh<T = DataFileResult>(key: string): T | undefined {
    const entry = this.entries.get(key);
    return entry && Date.now() - entry.checkedAt < this.freshForMs ? (entry.result as T) : undefined;
  }

  get<T = DataFileResult>(key: string, stamp: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.stamp !== stamp) return undefined;
    this.entries.delete(key);
    this.entries.set(key, { ...entry, checkedAt: Date.now() });
    return entry.result as T;
  }

  set(key: string, stamp: string, result: unknown): void {
    this.entries.delete(key);
    this.entries.set(key, { stamp, result, checkedAt: Date.now() });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** Forgets one file (all its column mappings), e.g. when it changed on disk. */
  invalidate(file: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(`${file}\u0000`)) this.entries.delete(key);
  }
}

export interface ValidateSpecOptions extends ReadOptions {
  cache?: DataFileCache;
  /** The tunable Vertex AI base models (the setting geminiTuning.vertex.baseModels); without it any model ID passes. */
  vertexBaseModels?: readonly string[];
}

/** What a Vertex AI spec's data came to, beyond the converted examples in `training`/`validation`. */
export interface VertexSpecData {
  /** The training `contentsFile`, when the spec names one. */
  trainingContents?: ContentsFileResult;
  validationContents?: ContentsFileResult;
  /** Estimated tokens of one pass over all training examples. */
  tokensPerEpoch: number;
  validationCount: number;
}

export interface SpecValidation {
  specFile: string;
  /** Every problem, in the spec and in its data files, sorted by file and position. */
  diagnostics: SpecDiagnostic[];
  hasErrors: boolean;
  /** The spec's data when it is at least a mapping; trust it only when `hasErrors` is false. */
  spec: TuningSpec | undefined;
  training: LoadedExample[];
  validation: LoadedExample[];
  /** Absolute paths of the data files the spec names (found or not). */
  dataFiles: string[];
  /** Present when the training examples could all be counted. */
  summary: SpecSummary | undefined;
  /** False when the YAML does not parse into a structure: only its syntax errors are reported. */
  structureReadable: boolean;
  /** Which API the spec tunes on (`platform: vertex`, else the Gemini API). */
  platform: 'gemini-api' | 'vertex';
  /** Present for a Vertex AI spec. */
  vertex?: VertexSpecData;
}

/** The inline examples that are valid; `rejected` is called for each item that is not (the schema reports why). */
function inlineExamples(source: YamlSource, value: unknown, at: JsonPath, limits: ExampleLimits, rejected: () => void = () => {}): LoadedExample[] {
  if (!Array.isArray(value)) return [];
  const out: LoadedExample[] = [];
  const origin: ExampleOrigin = { file: source.file, describe: (index) => `${at.join('.')}[${index}]`, range: (index) => source.valueRange([...at, index]) };
  value.forEach((item: unknown, index) => {
    const e = item as { textInput?: unknown; output?: unknown } | null;
    if (!e || typeof e.textInput !== 'string' || typeof e.output !== 'string' || exampleProblems(e.textInput, e.output, limits).length > 0) {
      rejected();
      return;
    }
    out.push({ textInput: e.textInput, output: e.output, origin, at: index });
  });
  return out;
}

/**
 * Validates a spec's text and the data files it names: YAML syntax, the JSON Schema, and the
 * rules about examples. Throws `CancelledError` when `signal` is aborted.
 */
export async function validateSpec(text: string, specFile: string, options: ValidateSpecOptions): Promise<SpecValidation> {
  const source = new YamlSource(text, specFile);
  const diagnostics: SpecDiagnostic[] = source.syntaxDiagnostics();
  const result: SpecValidation = { specFile, diagnostics, hasErrors: false, spec: undefined, training: [], validation: [], dataFiles: [], summary: undefined, structureReadable: source.structureReadable, platform: 'gemini-api' };
  if (!result.structureReadable) return finish(result);
  const limitsHit = diagnostics.some((d) => d.code === 'yaml-limits');
  const { data, diagnostic } = limitsHit ? { data: undefined, diagnostic: undefined } : source.toData();
  if (diagnostic) diagnostics.push(diagnostic);
  if (limitsHit || diagnostic) return finish(result);

  if (data === null || data === undefined) {
    diagnostics.push({ file: specFile, range: source.firstContentLine(), severity: 'error', code: 'schema', message: 'The spec is empty: add baseModel and examples (the "New Tuning Spec" command writes a commented example)' });
    return finish(result);
  }
  const vertex = isVertexSpec(data);
  const exampleLimits = vertex ? VERTEX_EXAMPLE_LIMITS : GEMINI_EXAMPLE_LIMITS;
  diagnostics.push(...schemaDiagnostics(source, data, { exampleCharacterLimits: !vertex }));
  if (!data || typeof data !== 'object' || Array.isArray(data)) return finish(result);
  const spec = data as TuningSpec;
  result.spec = spec;
  if (vertex) result.platform = 'vertex';
  diagnostics.push(...platformFieldDiagnostics(source, spec));
  if (vertex) diagnostics.push(...vertexHyperparameterDiagnostics(source, spec), ...vertexBaseModelDiagnostics(source, spec, options.vertexBaseModels));

  const specDir = path.dirname(specFile);
  const trainingRefs = fileRefsOf(spec.examplesFile, ['examplesFile']);
  const validationRefs = spec.validation && typeof spec.validation === 'object' ? fileRefsOf(spec.validation.examplesFile, ['validation', 'examplesFile']) : [];
  let trainingComplete = true;
  let rowsWithProblems = 0;
  const load = async (refs: LocatedFileRef[], into: LoadedExample[], rejected: (n: number) => void = () => {}): Promise<boolean> => {
    let complete = true;
    for (const ref of refs) {
      throwIfAborted(options.signal);
      const absolute = path.resolve(specDir, ref.path);
      result.dataFiles.push(absolute);
      const read = await readCached(absolute, ref, { ...options, exampleLimits });
      diagnostics.push(...read.diagnostics);
      rejected(read.rowsWithProblems);
      if (read.failure) {
        complete = false;
        diagnostics.push({ file: specFile, range: source.valueRange(ref.at), severity: 'error', code: read.failure.code, message: read.failure.message });
      }
      into.push(...read.examples);
    }
    return complete;
  };

  result.training.push(...inlineExamples(source, spec.examples, ['examples'], exampleLimits, () => rowsWithProblems++));
  trainingComplete = await load(trainingRefs, result.training, (n) => (rowsWithProblems += n));
  if (spec.validation && typeof spec.validation === 'object') {
    result.validation.push(...inlineExamples(source, spec.validation.examples, ['validation', 'examples'], exampleLimits));
    await load(validationRefs, result.validation);
  }

  let trainingContents: ContentsFileResult | undefined;
  let validationContents: ContentsFileResult | undefined;
  if (vertex) {
    const loadContents = async (value: unknown, at: JsonPath): Promise<ContentsFileResult | undefined> => {
      if (typeof value !== 'string' || value.trim() === '') return undefined;
      throwIfAborted(options.signal);
      const absolute = path.resolve(specDir, value);
      result.dataFiles.push(absolute);
      const read = await readContentsCached(absolute, value, options);
      diagnostics.push(...read.diagnostics);
      if (read.failure) diagnostics.push({ file: specFile, range: source.valueRange(at), severity: 'error', code: read.failure.code, message: read.failure.message });
      return read;
    };
    const bothKinds = (parent: JsonPath, given: { examples?: unknown; examplesFile?: unknown; contentsFile?: unknown } | undefined) => {
      if (given?.contentsFile !== undefined && (given.examples !== undefined || given.examplesFile !== undefined)) {
        diagnostics.push({ file: specFile, range: source.keyRange(parent, 'contentsFile'), severity: 'error', code: 'vertex-data', message: `Use either contentsFile (Vertex AI JSONL) or examples/examplesFile (converted for you)${parent.length ? ' for the validation data' : ' for the training data'}, not both` });
      }
    };
    bothKinds([], spec);
    trainingContents = await loadContents(spec.contentsFile, ['contentsFile']);
    if (spec.validation && typeof spec.validation === 'object') {
      bothKinds(['validation'], spec.validation);
      validationContents = await loadContents(spec.validation.contentsFile, ['validation', 'contentsFile']);
    }
    if (trainingContents?.failure) trainingComplete = false;
    const system = typeof spec.systemInstruction === 'string' ? spec.systemInstruction : undefined;
    diagnostics.push(...convertedExampleTokenDiagnostics(result.training, system), ...convertedExampleTokenDiagnostics(result.validation, system));
    let tokensPerEpoch = trainingContents?.tokens ?? 0;
    for (const e of result.training) tokensPerEpoch += exampleTokens(e.textInput, e.output, system);
    const validationCount = result.validation.length + (validationContents?.exampleCount ?? 0);
    if (validationCount > VERTEX_LIMITS.maxValidationExamples) {
      diagnostics.push({ file: specFile, range: source.keyRange([], 'validation'), severity: 'error', code: 'vertex-limit', message: `${plural(validationCount, 'validation example')}; Vertex AI takes at most ${formatCount(VERTEX_LIMITS.maxValidationExamples)}` });
    }
    result.vertex = { trainingContents, validationContents, tokensPerEpoch, validationCount };
  }

  diagnostics.push(...duplicateDiagnostics(result.training, 'training'));
  diagnostics.push(...duplicateDiagnostics(result.validation, 'validation'));
  diagnostics.push(...leakedValidationDiagnostics(result.training, result.validation));

  const declaresData = spec.examples !== undefined || spec.examplesFile !== undefined || trainingContents !== undefined;
  if (declaresData && trainingComplete) {
    const count = result.training.length + (trainingContents?.exampleCount ?? 0);
    rowsWithProblems += trainingContents?.rowsWithProblems ?? 0;
    const anchor = spec.examples !== undefined ? source.keyRange([], 'examples') : spec.examplesFile !== undefined ? source.keyRange([], 'examplesFile') : source.keyRange([], 'contentsFile');
    const withErrors = hasErrors(diagnostics);
    const minimum = vertex ? VERTEX_LIMITS.recommendedMinExamples : MIN_TRAINING_EXAMPLES;
    if (count === 0 && !withErrors) {
      diagnostics.push({ file: specFile, range: anchor, severity: 'error', code: 'no-examples', message: 'The spec has no training examples' });
    } else if (count > 0 && count < minimum && !diagnostics.some((d) => d.code === 'yaml-syntax' && d.severity === 'error')) {
      diagnostics.push({
        file: specFile,
        range: anchor,
        severity: 'warning',
        code: 'too-few-examples',
        message: vertex ? `${plural(count, 'training example')}; Vertex AI recommends starting with at least ${minimum}` : `${plural(count, 'training example')}; the Gemini API's documented minimum is ${MIN_TRAINING_EXAMPLES}`,
      });
    }
    if (vertex && count > VERTEX_LIMITS.maxTrainingExamples) {
      diagnostics.push({ file: specFile, range: anchor, severity: 'error', code: 'vertex-limit', message: `${plural(count, 'training example')}; Vertex AI takes at most ${formatCount(VERTEX_LIMITS.maxTrainingExamples)} text examples` });
    }
    if (count > 0 || rowsWithProblems > 0) result.summary = vertex ? summarizeVertex(spec, count, result.vertex?.tokensPerEpoch ?? 0, rowsWithProblems) : summarize(spec, count, rowsWithProblems);
  }
  return finish(result);
}

async function readCached(absolute: string, ref: LocatedFileRef, options: ValidateSpecOptions & { exampleLimits: ExampleLimits }): Promise<DataFileResult> {
  const { maxInputChars, maxOutputChars } = options.exampleLimits;
  const key = `${absolute}\u0000${ref.format ?? ''}\u0000${ref.columns?.textInput ?? ''}\u0000${ref.columns?.output ?? ''}\u0000${maxInputChars ?? ''}/${maxOutputChars ?? ''}`;
  let stamp: string | undefined;
  if (options.cache) {
    const fresh = options.cache.fresh(key);
    if (fresh) return withShownPath(fresh, ref.path);
    try {
      const s = await options.fs.stat(absolute);
      stamp = `${s.size}:${s.mtimeMs}`;
      const hit = options.cache.get(key, stamp);
      if (hit) return withShownPath(hit, ref.path);
    } catch {
      stamp = undefined;
    }
  }
  const read = await readExamplesFile(absolute, ref, options);
  if (options.cache && stamp) options.cache.set(key, stamp, read);
  return read;
}

async function readContentsCached(absolute: string, shownPath: string, options: ValidateSpecOptions): Promise<ContentsFileResult> {
  const key = `${absolute}\u0000contents`;
  const shown = (r: ContentsFileResult) => (r.failure ? { ...r, failure: { ...r.failure, message: r.failure.message.replace(/"[^"]*"/, `"${shownPath}"`) } } : r);
  if (options.cache) {
    const fresh = options.cache.fresh<ContentsFileResult>(key);
    if (fresh) return shown(fresh);
    try {
      const s = await options.fs.stat(absolute);
      const hit = options.cache.get<ContentsFileResult>(key, `${s.size}:${s.mtimeMs}`);
      if (hit) return shown(hit);
    } catch {
      // Read below, which says what is wrong with the file.
    }
  }
  const read = await readContentsFile(absolute, shownPath, options);
  if (options.cache && read.stamp) options.cache.set(key, read.stamp, read);
  return read;
}

/** A cached result as seen from another spec, which may name the file by another relative path. */
function withShownPath(result: DataFileResult, shownPath: string): DataFileResult {
  if (!result.failure) return result;
  return { ...result, failure: { ...result.failure, message: result.failure.message.replace(/"[^"]*"/, `"${shownPath}"`) } };
}

function finish(result: SpecValidation): SpecValidation {
  sortDiagnostics(result.diagnostics);
  result.hasErrors = hasErrors(result.diagnostics);
  return result;
}
