import type { TrainingExample } from '../records';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A supervised-tuning dataset that cannot be used; the job fails with INVALID_ARGUMENT (code 3). */
export class DatasetError extends Error {}

export interface ParsedDataset {
  examples: TrainingExample[];
  /** The `contents` of the first few examples, echoed in tuningDataStats.userDatasetExamples. */
  samples: unknown[];
  inputLengths: number[];
  outputLengths: number[];
  messageCounts: number[];
  totalCharacters: number;
}

function textOf(parts: unknown, where: string): string {
  const list = Array.isArray(parts) ? parts : isObj(parts) ? [parts] : undefined;
  if (!list || list.length === 0) throw new DatasetError(`${where}.parts must hold at least one part.`);
  let text = '';
  list.forEach((p, j) => {
    if (!isObj(p) || typeof p.text !== 'string') {
      throw new DatasetError(`${where}.parts[${j}] is not a text part; the local model tunes on text only (no fileData, inlineData, functionCall or functionResponse).`);
    }
    text += p.text;
  });
  return text;
}

/**
 * One JSONL line: `contents` of alternating `user`/`model` turns ending with a `model` turn, plus
 * an optional `systemInstruction`. The local model reads single inputs, so the example it trains
 * on is the last user turn's text (input) and the final model turn's text (output); earlier turns
 * and the system instruction are validated and counted but, as at generation time, not read.
 */
function parseLine(value: unknown): { example: TrainingExample; contents: unknown[]; characters: number } {
  if (!isObj(value)) throw new DatasetError('each line must be a JSON object with a "contents" field.');
  const keys = Object.keys(value);
  for (const key of keys) {
    if (!['contents', 'systemInstruction', 'system_instruction', 'tools', 'toolConfig', 'tool_config'].includes(key)) {
      throw new DatasetError(`unknown field "${key}"; a line holds contents and optionally systemInstruction.`);
    }
  }
  const contents = value.contents;
  if (!Array.isArray(contents) || contents.length === 0) throw new DatasetError('"contents" is required and must be a non-empty list of turns.');
  let characters = 0;
  const system = value.systemInstruction ?? value.system_instruction;
  if (system !== undefined) {
    if (!isObj(system)) throw new DatasetError('systemInstruction must be an object with parts.');
    characters += textOf(system.parts, 'systemInstruction').length;
  }
  let lastUser: string | undefined;
  let previousRole: string | undefined;
  let output = '';
  contents.forEach((turn, i) => {
    if (!isObj(turn)) throw new DatasetError(`contents[${i}] must be an object with role and parts.`);
    const role = typeof turn.role === 'string' ? turn.role.toLowerCase() : undefined;
    if (role !== 'user' && role !== 'model') throw new DatasetError(`contents[${i}].role must be "user" or "model"; got ${JSON.stringify(turn.role)}.`);
    if (role === previousRole) throw new DatasetError(`contents[${i}] repeats the role "${role}"; user and model turns must alternate.`);
    if (i === 0 && role !== 'user') throw new DatasetError('contents[0] must be a user turn.');
    previousRole = role;
    const text = textOf(turn.parts, `contents[${i}]`);
    characters += text.length;
    if (role === 'user') lastUser = text;
    else output = text;
  });
  if (previousRole !== 'model') throw new DatasetError('the last turn of contents must be a model turn (the answer to learn).');
  return { example: { textInput: lastUser ?? '', output }, contents, characters };
}

export const SAMPLE_EXAMPLES = 3;

/** Parses a whole JSONL dataset; the first bad line stops it with its 1-based number. */
export function parseDataset(data: Buffer, uri: string): ParsedDataset {
  const parsed: ParsedDataset = { examples: [], samples: [], inputLengths: [], outputLengths: [], messageCounts: [], totalCharacters: 0 };
  const lines = data.toString('utf8').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new DatasetError(`Line ${i + 1} of ${uri} is not valid JSON: ${(e as Error).message}`);
    }
    try {
      const { example, contents, characters } = parseLine(value);
      parsed.examples.push(example);
      if (parsed.samples.length < SAMPLE_EXAMPLES) parsed.samples.push({ contents });
      parsed.inputLengths.push(example.textInput.length);
      parsed.outputLengths.push(example.output.length);
      parsed.messageCounts.push(contents.length);
      parsed.totalCharacters += characters;
    } catch (e) {
      if (e instanceof DatasetError) throw new DatasetError(`Line ${i + 1} of ${uri}: ${e.message}`);
      throw e;
    }
  });
  if (parsed.examples.length === 0) throw new DatasetError(`${uri} holds no examples; a supervised tuning dataset needs at least one JSONL line.`);
  return parsed;
}

/** SupervisedTuningDatasetDistribution: int64 sums as strings, the rest as numbers. */
export function distribution(values: number[]): Record<string, unknown> {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))];
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  const bucketCount = Math.min(4, sorted.length);
  const width = (max - min) / bucketCount || 1;
  const buckets = Array.from({ length: bucketCount }, (_, b) => ({ count: 0, left: min + b * width, right: b === bucketCount - 1 ? max : min + (b + 1) * width }));
  for (const v of sorted) buckets[Math.min(bucketCount - 1, Math.floor((v - min) / width))].count++;
  return { sum: String(sum), billableSum: String(sum), min, max, mean: sum / sorted.length, median: at(0.5), p5: at(0.05), p95: at(0.95), buckets };
}
