import { resolveHyperparameters, totalSteps } from '../core/api/tuningDefaults';
import { type FieldViolation, invalidFields } from './httpErrors';
import type { HyperparameterEcho, TrainingExample } from './records';
import { TUNED_MODEL_ID_RE } from './wire';

export const MAX_DISPLAY_NAME = 40;
export const MAX_INPUT_CHARS = 40_000;
export const MAX_OUTPUT_CHARS = 5_000;
export const MAX_STOP_SEQUENCES = 5;
export const MAX_CANDIDATES = 8;
/**
 * Google documents no upper bounds for these; its own samples go up to 100 epochs. The local
 * server bounds them so that one request cannot make an endless job or an unbounded model.json
 * (one snapshot per step, about 100 bytes each: at most ~10 MB).
 */
export const MAX_EPOCH_COUNT = 1000;
export const MAX_TOTAL_STEPS = 100_000;

/** Collects every rule a request breaks, then throws one INVALID_ARGUMENT listing them all. */
export class Violations {
  readonly list: FieldViolation[] = [];
  add(field: string, description: string): void {
    this.list.push({ field, description });
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw invalidFields(this.list);
  }
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** ProtoJSON numbers may arrive as numbers or numeric strings. */
export function readNumber(v: Violations, field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  v.add(field, `must be a number; got ${JSON.stringify(value)}.`);
  return undefined;
}

export function readInteger(v: Violations, field: string, value: unknown): number | undefined {
  const n = readNumber(v, field, value);
  if (n === undefined) return undefined;
  if (!Number.isInteger(n)) {
    v.add(field, `must be an integer; got ${n}.`);
    return undefined;
  }
  return n;
}

export function readString(v: Violations, field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  v.add(field, `must be a string; got ${JSON.stringify(value)}.`);
  return undefined;
}

export function checkRange(v: Violations, field: string, n: number | undefined, min: number, max: number): void {
  if (n !== undefined && (n < min || n > max)) v.add(field, `must be between ${min} and ${max} inclusive; got ${n}.`);
}

export function checkDisplayName(v: Violations, value: unknown): string | undefined {
  const displayName = readString(v, 'displayName', value);
  if (displayName !== undefined && codePoints(displayName) > MAX_DISPLAY_NAME) {
    v.add('displayName', `must be at most ${MAX_DISPLAY_NAME} characters; got ${codePoints(displayName)}.`);
  }
  return displayName;
}

export interface CreateRequest {
  tunedModelId?: string;
  displayName?: string;
  description?: string;
  baseModel?: string;
  sourceTunedModel?: string;
  temperature?: number;
  topP?: number;
  topK?: number;
  readerProjectNumbers?: string[];
  examples: TrainingExample[];
  hyperparameters: HyperparameterEcho;
  learningRate: number;
  totalSteps: number;
}

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : {});

/** Checks a normalized (camelCase) create body; model existence is checked by the caller. */
export function validateCreate(body: Obj, tunedModelId: string | null): CreateRequest {
  const v = new Violations();
  if (tunedModelId !== null && tunedModelId !== '' && !TUNED_MODEL_ID_RE.test(tunedModelId)) {
    v.add(
      'tunedModelId',
      `must match [a-z]([a-z0-9-]{0,38}[a-z0-9])? (1 to 40 characters: lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit); got "${tunedModelId}".`,
    );
  }
  const displayName = checkDisplayName(v, body.displayName);
  const description = readString(v, 'description', body.description);
  const baseModel = readString(v, 'baseModel', body.baseModel);
  const source = obj(body.tunedModelSource);
  const sourceTunedModel = readString(v, 'tunedModelSource.tunedModel', source.tunedModel);
  if (baseModel && sourceTunedModel) {
    v.add('baseModel', 'only one of baseModel and tunedModelSource may be set.');
  } else if (!baseModel && !sourceTunedModel) {
    v.add('baseModel', 'is required (or tunedModelSource.tunedModel, to tune from a tuned model).');
  }
  const temperature = readNumber(v, 'temperature', body.temperature);
  checkRange(v, 'temperature', temperature, 0, 1);
  const topP = readNumber(v, 'topP', body.topP);
  checkRange(v, 'topP', topP, 0, 1);
  const topK = readInteger(v, 'topK', body.topK);
  if (topK !== undefined && topK < 1) v.add('topK', `must be at least 1; got ${topK}.`);
  let readerProjectNumbers: string[] | undefined;
  if (body.readerProjectNumbers !== undefined) {
    readerProjectNumbers = [];
    (body.readerProjectNumbers as unknown[]).forEach((n, i) => {
      const s = typeof n === 'number' && Number.isInteger(n) ? String(n) : typeof n === 'string' && /^\d+$/.test(n) ? n : undefined;
      if (s === undefined) v.add(`readerProjectNumbers[${i}]`, `must be an int64 project number; got ${JSON.stringify(n)}.`);
      else readerProjectNumbers!.push(s);
    });
  }

  const task = obj(body.tuningTask);
  const examples: TrainingExample[] = [];
  if (body.tuningTask === undefined) {
    v.add('tuningTask', 'is required: it carries trainingData and hyperparameters.');
  } else if (task.trainingData === undefined) {
    v.add('tuningTask.trainingData', 'is required: give examples as trainingData.examples.examples[] = {textInput, output}.');
  } else {
    const list = obj(obj(task.trainingData).examples).examples;
    const field = 'tuningTask.trainingData.examples.examples';
    if (list === undefined || (Array.isArray(list) && list.length === 0)) {
      v.add(field, 'must contain at least one example.');
    } else {
      (list as unknown[]).forEach((raw, i) => {
        const e = obj(raw);
        const at = `${field}[${i}]`;
        const textInput = readString(v, `${at}.textInput`, e.textInput);
        const output = readString(v, `${at}.output`, e.output);
        if (e.textInput === undefined) v.add(`${at}.textInput`, 'is required: this server tunes on text input.');
        if (e.output === undefined || output === '') v.add(`${at}.output`, 'is required and must not be empty.');
        if (textInput !== undefined && codePoints(textInput) > MAX_INPUT_CHARS) {
          v.add(`${at}.textInput`, `must be at most ${MAX_INPUT_CHARS} characters; got ${codePoints(textInput)}.`);
        }
        if (output !== undefined && codePoints(output) > MAX_OUTPUT_CHARS) {
          v.add(`${at}.output`, `must be at most ${MAX_OUTPUT_CHARS} characters; got ${codePoints(output)}.`);
        }
        if (textInput !== undefined && output) examples.push({ textInput, output });
      });
    }
  }

  const hp = obj(task.hyperparameters);
  const hpField = 'tuningTask.hyperparameters';
  const learningRate = readNumber(v, `${hpField}.learningRate`, hp.learningRate);
  const multiplier = readNumber(v, `${hpField}.learningRateMultiplier`, hp.learningRateMultiplier);
  if (learningRate !== undefined && multiplier !== undefined) {
    v.add(`${hpField}.learningRate`, 'only one of learningRate and learningRateMultiplier may be set.');
  }
  if (learningRate !== undefined && learningRate <= 0) v.add(`${hpField}.learningRate`, `must be greater than 0; got ${learningRate}.`);
  if (multiplier !== undefined && multiplier <= 0) v.add(`${hpField}.learningRateMultiplier`, `must be greater than 0; got ${multiplier}.`);
  const epochCount = readInteger(v, `${hpField}.epochCount`, hp.epochCount);
  if (epochCount !== undefined && epochCount <= 0) v.add(`${hpField}.epochCount`, `must be greater than 0; got ${epochCount}.`);
  if (epochCount !== undefined && epochCount > MAX_EPOCH_COUNT) v.add(`${hpField}.epochCount`, `must be at most ${MAX_EPOCH_COUNT} on the local server; got ${epochCount}.`);
  const batchSize = readInteger(v, `${hpField}.batchSize`, hp.batchSize);
  if (batchSize !== undefined && batchSize <= 0) v.add(`${hpField}.batchSize`, `must be greater than 0; got ${batchSize}.`);
  v.throwIfAny();

  const resolved = resolveHyperparameters(examples.length, {
    learningRate,
    learningRateMultiplier: multiplier,
    epochCount,
    batchSize,
  });
  const steps = totalSteps(examples.length, resolved.epochCount, resolved.batchSize);
  if (!(steps <= MAX_TOTAL_STEPS)) {
    v.add(
      `${hpField}.epochCount`,
      `makes ${steps} training steps (examples × epochCount / batchSize); the local server allows at most ${MAX_TOTAL_STEPS}. Lower epochCount or raise batchSize.`,
    );
    v.throwIfAny();
  }
  const hyperparameters: HyperparameterEcho = {
    ...(multiplier !== undefined ? { learningRateMultiplier: multiplier } : { learningRate: resolved.learningRate }),
    epochCount: resolved.epochCount,
    batchSize: resolved.batchSize,
  };
  return {
    tunedModelId: tunedModelId || undefined,
    displayName: displayName || undefined,
    description: description || undefined,
    baseModel: baseModel || undefined,
    sourceTunedModel: sourceTunedModel || undefined,
    temperature,
    topP,
    topK,
    readerProjectNumbers,
    examples,
    hyperparameters,
    learningRate: resolved.learningRate,
    totalSteps: steps,
  };
}
