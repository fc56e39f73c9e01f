import * as path from 'node:path';
import { resolveHyperparameters, totalSteps } from '../api/tuningDefaults';
import { checkExample } from '../vertex/dataset';
import { jsonErrorOf } from './dataFiles';
import { didYouMean } from './didYouMean';
import { formatCount, plural, type SpecDiagnostic } from './diagnostics';
import { type LoadedExample } from './examples';
import { BinaryFileError, readLineBatches } from './lines';
import { lineRange } from './positions';
import { CancelledError, fileProblem, type SpecFileSystem } from './specFileSystem';
import { type TuningSpec } from './specModel';
import { formatLearningRate, type SpecSummary } from './summary';
import { type JsonPath, type YamlSource } from './yamlSource';

/**
 * Vertex AI's documented limits for supervised tuning of Gemini 2.5 Flash and Flash-Lite
 * ("About supervised fine-tuning for Gemini models"). The epoch and multiplier ranges are not in
 * Google's table; they are the ones the service's create call checks in the local twin.
 */
export const VERTEX_LIMITS = Object.freeze({
  maxTokensPerExample: 131_072,
  maxValidationExamples: 5_000,
  maxTrainingExamples: 1_000_000,
  maxDatasetFileBytes: 1 << 30,
  minEpochCount: 1,
  maxEpochCount: 100,
  maxLearningRateMultiplier: 100,
  recommendedMinExamples: 100,
});

/**
 * Google's rule of thumb for Gemini text: about four characters per token. The summary's
 * billable tokens are an estimate from it; the job's tuningDataStats has the real count.
 */
export const CHARACTERS_PER_TOKEN = 4;

export function estimateTokens(characters: number): number {
  return Math.ceil(characters / CHARACTERS_PER_TOKEN);
}

/** The tokens of one converted example: its input, its output and the system instruction it carries. */
export function exampleTokens(textInput: string, output: string, systemInstruction = ''): number {
  return estimateTokens(textInput.length + output.length + systemInstruction.length);
}

/** What Vertex AI bills for tuning: every example's tokens, once per epoch. */
export function billableTokens(tokensPerEpoch: number, epochCount: number): number {
  return tokensPerEpoch * epochCount;
}

/** `platform: vertex` at the top of a spec's text, for editor features that do not parse it. */
export function textSaysVertex(text: string): boolean {
  return /^platform:[ \t]*(["']?)vertex\1[ \t]*(#.*)?$/m.test(text);
}

/** A spec says it is for Vertex AI with `platform: vertex`; every other spec is for the Gemini API, as before. */
export function isVertexSpec(spec: unknown): boolean {
  return !!spec && typeof spec === 'object' && (spec as { platform?: unknown }).platform === 'vertex';
}

/** Keys only a Vertex AI spec takes, and keys only a Gemini API spec takes. */
export const VERTEX_ONLY: readonly JsonPath[] = [['systemInstruction'], ['labels'], ['contentsFile'], ['hyperparameters', 'adapterSize'], ['validation', 'contentsFile']];
export const GEMINI_ONLY: readonly JsonPath[] = [['tunedModelId'], ['tunedModelSource'], ['temperature'], ['topP'], ['topK'], ['readerProjectNumbers'], ['hyperparameters', 'learningRate'], ['hyperparameters', 'batchSize']];

function has(spec: unknown, at: JsonPath): boolean {
  let node: unknown = spec;
  for (const segment of at) {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return false;
    if (!(String(segment) in node)) return false;
    node = (node as Record<string, unknown>)[String(segment)];
  }
  return true;
}

function label(at: JsonPath): string {
  return at.join('.');
}

/** Fields of the other platform: an error each, on its key, since the request could not carry them. */
export function platformFieldDiagnostics(source: YamlSource, spec: TuningSpec): SpecDiagnostic[] {
  const vertex = isVertexSpec(spec);
  const out: SpecDiagnostic[] = [];
  for (const at of vertex ? GEMINI_ONLY : VERTEX_ONLY) {
    if (!has(spec, at)) continue;
    const name = String(at[at.length - 1]);
    out.push({
      file: source.file,
      range: source.keyRange(at.slice(0, -1), name),
      severity: 'error',
      code: 'platform-field',
      message: vertex
        ? `${label(at)} is a Gemini API setting that Vertex AI tuning does not take: remove it (Vertex AI tunes with epochCount, learningRateMultiplier and adapterSize)`
        : `${label(at)} is a Vertex AI setting: add "platform: vertex" to tune on Vertex AI, or remove it`,
    });
  }
  return out;
}

/** Vertex AI's ranges for the hyperparameters the schema only bounds from below. */
export function vertexHyperparameterDiagnostics(source: YamlSource, spec: TuningSpec): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  const hp = (spec.hyperparameters && typeof spec.hyperparameters === 'object' ? spec.hyperparameters : {}) as Record<string, unknown>;
  const epochs = hp.epochCount;
  if (typeof epochs === 'number' && Number.isInteger(epochs) && epochs > VERTEX_LIMITS.maxEpochCount) {
    out.push({
      file: source.file,
      range: source.valueRange(['hyperparameters', 'epochCount']),
      severity: 'error',
      code: 'vertex-limit',
      message: `hyperparameters.epochCount must be between ${VERTEX_LIMITS.minEpochCount} and ${VERTEX_LIMITS.maxEpochCount} on Vertex AI (it is ${formatCount(epochs)})`,
    });
  }
  const multiplier = hp.learningRateMultiplier;
  if (typeof multiplier === 'number' && Number.isFinite(multiplier) && multiplier > VERTEX_LIMITS.maxLearningRateMultiplier) {
    out.push({
      file: source.file,
      range: source.valueRange(['hyperparameters', 'learningRateMultiplier']),
      severity: 'error',
      code: 'vertex-limit',
      message: `hyperparameters.learningRateMultiplier must be greater than 0 and at most ${VERTEX_LIMITS.maxLearningRateMultiplier} on Vertex AI (it is ${String(multiplier)})`,
    });
  }
  return out;
}

/** A base model outside the configured list: models are retired often, and the list is where a person keeps up. */
export function vertexBaseModelDiagnostics(source: YamlSource, spec: TuningSpec, baseModels: readonly string[] | undefined): SpecDiagnostic[] {
  const model = spec.baseModel;
  if (!baseModels || baseModels.length === 0 || typeof model !== 'string' || model.startsWith('models/') || baseModels.includes(model)) return [];
  const suggestion = didYouMean(model, [...baseModels]);
  return [
    {
      file: source.file,
      range: source.valueRange(['baseModel']),
      severity: 'error',
      code: 'vertex-base-model',
      message: `${model} is not a tunable Vertex AI model of the setting geminiTuning.vertex.baseModels (${baseModels.join(', ')})${suggestion ? `. Did you mean "${suggestion}"?` : ''}; if Google lists it as tunable, add it to that setting`,
    },
  ];
}

/** What one Vertex AI JSONL file holds, as far as the spec's checks and summary need. */
export interface ContentsFileResult {
  file: string;
  exampleCount: number;
  /** Estimated tokens of all valid examples, once. */
  tokens: number;
  /** Lines that hold something but are not valid examples. */
  rowsWithProblems: number;
  diagnostics: SpecDiagnostic[];
  /** Size and modification time when read, so that a create can tell the file changed. */
  stamp?: string;
  failure?: { code: SpecDiagnostic['code']; message: string };
}

const MAX_PROBLEMS = 100;

function textCharacters(value: unknown): number {
  if (!value || typeof value !== 'object') return 0;
  const parts = (value as { parts?: unknown }).parts;
  const list = Array.isArray(parts) ? parts : parts && typeof parts === 'object' ? [parts] : [];
  let n = 0;
  for (const part of list) if (part && typeof (part as { text?: unknown }).text === 'string') n += (part as { text: string }).text.length;
  return n;
}

/** Characters of the text of one line's turns and system instruction (file parts are not counted). */
function lineCharacters(line: Record<string, unknown>): number {
  let n = textCharacters(line.systemInstruction ?? line.system_instruction);
  for (const turn of line.contents as unknown[]) n += textCharacters(turn);
  return n;
}

/**
 * Reads a Vertex AI JSONL file line by line: each line is checked as the service would read it,
 * problems land on the file at their line, and the tokens of valid lines are estimated.
 */
export async function readContentsFile(absolute: string, shownPath: string, opts: { fs: SpecFileSystem; signal?: AbortSignal; onProgress?: (p: { file: string; bytesRead: number; totalBytes: number }) => void }): Promise<ContentsFileResult> {
  const result: ContentsFileResult = { file: absolute, exampleCount: 0, tokens: 0, rowsWithProblems: 0, diagnostics: [] };
  let size: number;
  try {
    const s = await opts.fs.stat(absolute);
    if (!s.isFile) return { ...result, failure: { code: 'data-file-unreadable', message: `Contents file "${shownPath}" is a folder, not a file` } };
    size = s.size;
    result.stamp = `${s.size}:${s.mtimeMs}`;
  } catch (error) {
    const problem = fileProblem(error);
    return { ...result, failure: problem === 'missing' ? { code: 'data-file-missing', message: `Contents file "${shownPath}" not found` } : { code: 'data-file-unreadable', message: `Contents file "${shownPath}" cannot be read: ${error instanceof Error ? error.message : String(error)}` } };
  }
  if (path.extname(absolute).toLowerCase() !== '.jsonl') {
    return { ...result, failure: { code: 'data-file-type', message: `Contents file "${shownPath}" must be a .jsonl file: Vertex AI reads JSON Lines` } };
  }
  if (size > VERTEX_LIMITS.maxDatasetFileBytes) {
    return { ...result, failure: { code: 'vertex-limit', message: `Contents file "${shownPath}" is ${formatCount(Math.round(size / (1 << 20)))} MB; Vertex AI takes at most ${formatCount(VERTEX_LIMITS.maxDatasetFileBytes >> 20)} MB per dataset file` } };
  }
  let dropped = 0;
  const add = (d: Omit<SpecDiagnostic, 'file'>) => {
    if (result.diagnostics.length < MAX_PROBLEMS) result.diagnostics.push({ file: absolute, ...d });
    else dropped++;
  };
  try {
    for await (const batch of readLineBatches(opts.fs.read(absolute, opts.signal), { signal: opts.signal, onBytes: (bytesRead) => opts.onProgress?.({ file: absolute, bytesRead, totalBytes: size }) })) {
      for (const line of batch) {
        if (line.text.trim() === '') continue;
        const range = lineRange(line.number, line.text.length);
        if (!line.valid) {
          result.rowsWithProblems++;
          add({ range, severity: 'error', code: 'data-file-encoding', message: 'This line is not valid UTF-8 text' });
          continue;
        }
        let value: unknown;
        try {
          value = JSON.parse(line.text);
        } catch (error) {
          result.rowsWithProblems++;
          add({ range, severity: 'error', code: 'jsonl-line', message: `Not valid JSON (${jsonErrorOf(error).message}); each line holds one JSON object` });
          continue;
        }
        const problem = checkExample(value);
        if (problem) {
          result.rowsWithProblems++;
          add({ range, severity: 'error', code: 'jsonl-line', message: /^[a-z]+ /.test(problem) ? problem.charAt(0).toUpperCase() + problem.slice(1) : problem });
          continue;
        }
        const tokens = estimateTokens(lineCharacters(value as Record<string, unknown>));
        if (tokens > VERTEX_LIMITS.maxTokensPerExample) {
          add({ range, severity: 'warning', code: 'vertex-limit', message: `About ${formatCount(tokens)} tokens (estimated at ${CHARACTERS_PER_TOKEN} characters a token); Vertex AI truncates examples beyond ${formatCount(VERTEX_LIMITS.maxTokensPerExample)} input and output tokens` });
        }
        result.exampleCount++;
        result.tokens += tokens;
      }
    }
  } catch (error) {
    if (error instanceof CancelledError || opts.signal?.aborted) throw new CancelledError();
    if (error instanceof BinaryFileError) {
      return { ...result, exampleCount: 0, tokens: 0, diagnostics: [{ file: absolute, range: lineRange(Math.max(1, error.line), 0), severity: 'error', code: 'data-file-binary', message: 'This is a binary file, not JSONL text (it contains NUL bytes); no examples were read from it' }], failure: { code: 'data-file-binary', message: `Contents file "${shownPath}" is a binary file, not JSONL text` } };
    }
    return { ...result, failure: { code: 'data-file-unreadable', message: `Contents file "${shownPath}" cannot be read: ${error instanceof Error ? error.message : String(error)}` } };
  }
  if (dropped > 0) {
    const last = result.diagnostics[result.diagnostics.length - 1];
    result.diagnostics.push({ file: absolute, range: last.range, severity: 'error', code: 'too-many-problems', message: `${plural(dropped, 'more problem')} in this file not listed; fix the ones above first` });
  }
  return result;
}

/** Converted examples over the per-example token limit: a warning each, where the example is. */
export function convertedExampleTokenDiagnostics(examples: readonly LoadedExample[], systemInstruction: string | undefined): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  for (const e of examples) {
    const tokens = exampleTokens(e.textInput, e.output, systemInstruction);
    if (tokens <= VERTEX_LIMITS.maxTokensPerExample) continue;
    out.push({
      file: e.origin.file,
      range: e.origin.range(e.at),
      severity: 'warning',
      code: 'vertex-limit',
      message: `${e.origin.describe(e.at)} is about ${formatCount(tokens)} tokens (estimated at ${CHARACTERS_PER_TOKEN} characters a token); Vertex AI truncates examples beyond ${formatCount(VERTEX_LIMITS.maxTokensPerExample)} input and output tokens`,
    });
  }
  return out;
}

const ADAPTER_SIZES: Readonly<Record<number, string>> = { 1: 'ADAPTER_SIZE_ONE', 2: 'ADAPTER_SIZE_TWO', 4: 'ADAPTER_SIZE_FOUR', 8: 'ADAPTER_SIZE_EIGHT', 16: 'ADAPTER_SIZE_SIXTEEN', 32: 'ADAPTER_SIZE_THIRTY_TWO' };

/** `4` → `ADAPTER_SIZE_FOUR`, the enum the API takes. */
export function adapterSizeEnum(size: number): string | undefined {
  return ADAPTER_SIZES[size];
}

export interface VertexSummary extends SpecSummary {
  platform: 'vertex';
  learningRateMultiplier: number;
  /** Undefined when Vertex AI chooses. */
  adapterSize: number | undefined;
  /** Estimated tokens of one pass over the training data. */
  tokensPerEpoch: number;
  /** Estimated billable tokens: `tokensPerEpoch` × epochs. */
  billableTokens: number;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : undefined;
}

/**
 * The lens of a Vertex AI spec: examples, the hyperparameters with the defaults the job will use
 * filled in, the steps, and the estimated billable tokens. Epochs and batch left out take the
 * defaults the local twin applies (Google sizes them from the dataset and may choose others).
 */
export function summarizeVertex(spec: TuningSpec, exampleCount: number, tokensPerEpoch: number, rowsWithProblems = 0): VertexSummary {
  const given = (spec.hyperparameters && typeof spec.hyperparameters === 'object' ? spec.hyperparameters : {}) as Record<string, unknown>;
  const multiplier = typeof given.learningRateMultiplier === 'number' && Number.isFinite(given.learningRateMultiplier) && given.learningRateMultiplier > 0 ? given.learningRateMultiplier : 1;
  const resolved = resolveHyperparameters(exampleCount, { epochCount: positiveInteger(given.epochCount), learningRateMultiplier: multiplier });
  const adapterSize = typeof given.adapterSize === 'number' && adapterSizeEnum(given.adapterSize) ? given.adapterSize : undefined;
  const steps = totalSteps(exampleCount, resolved.epochCount, resolved.batchSize);
  const billable = billableTokens(tokensPerEpoch, resolved.epochCount);
  const text = [
    rowsWithProblems > 0 ? `${plural(exampleCount, 'example')} (${plural(rowsWithProblems, 'row')} with problems)` : plural(exampleCount, 'example'),
    plural(resolved.epochCount, 'epoch'),
    adapterSize !== undefined ? `adapter ${adapterSize}` : 'adapter chosen by Vertex AI',
    `LR ×${formatLearningRate(multiplier)}`,
    `batch ${formatCount(resolved.batchSize)} → ${plural(steps, 'step')}`,
    `≈ ${formatCount(billable)} billable tokens`,
  ].join(' · ');
  return { ...resolved, platform: 'vertex', exampleCount, rowsWithProblems, totalSteps: steps, learningRateMultiplier: multiplier, adapterSize, tokensPerEpoch, billableTokens: billable, text };
}
