import { promises as fs } from 'node:fs';
import { writeFileAtomic } from './atomicWrite';
import { type MemoryExample } from './model';
import { type SourceModel, type StepReport, type TrainerState } from './trainer';

const MODEL_FORMAT = 'gemini-tuning-local-model';
const CHECKPOINT_FORMAT = 'gemini-tuning-checkpoint';
const FORMAT_VERSION = 1;

/** A trained model on disk: its vocabulary, float32 parameters (base64) and memory examples. */
export interface SavedModel extends SourceModel {
  params: Float32Array;
  trainedSteps: number;
}

interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: number;
  vocabulary: number[];
  parameters: string;
  memory: MemoryExample[];
  trainedSteps: number;
}

interface CheckpointFile {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  jobId: string;
  fingerprint: string;
  completedSteps: number;
  snapshots: StepReport[];
  vocabulary: number[];
  parameters: string;
  adamM: string;
  adamV: string;
}

export function encodeFloats(values: Float32Array | Float64Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

function decodeFloats<T extends Float32Array | Float64Array>(text: unknown, kind: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, what: string): T {
  if (typeof text !== 'string') throw new Error(`${what} is missing`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % kind.BYTES_PER_ELEMENT !== 0) throw new Error(`${what} has a length that is not a whole number of values`);
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  const values = new kind(copy);
  for (const v of values) if (!Number.isFinite(v)) throw new Error(`${what} contains a value that is not finite`);
  return values;
}

export function serializeModel(model: SavedModel): string {
  const file: ModelFile = {
    format: MODEL_FORMAT,
    version: FORMAT_VERSION,
    vocabulary: [...model.vocabulary],
    parameters: encodeFloats(model.params),
    memory: model.memory.map((e) => ({ textInput: e.textInput, output: e.output })),
    trainedSteps: model.trainedSteps,
  };
  return JSON.stringify(file);
}

export function parseModel(text: string, source: string): SavedModel {
  let file: Partial<ModelFile>;
  try {
    file = JSON.parse(text) as Partial<ModelFile>;
  } catch (err) {
    throw new Error(`model weights ${source} are corrupt: ${(err as Error).message}`);
  }
  try {
    if (file.format !== MODEL_FORMAT) throw new Error(`not a local model file (format ${JSON.stringify(file.format)})`);
    if (file.version !== FORMAT_VERSION) throw new Error(`unsupported version ${String(file.version)}`);
    const vocabulary = checkVocabulary(file.vocabulary);
    const params = decodeFloats(file.parameters, Float32Array, 'parameters');
    const memory = checkMemory(file.memory);
    return { vocabulary, params, memory, trainedSteps: Number(file.trainedSteps ?? 0) };
  } catch (err) {
    throw new Error(`model weights ${source} are corrupt: ${(err as Error).message}`);
  }
}

export async function writeModelFile(file: string, model: SavedModel): Promise<void> {
  await writeFileAtomic(file, serializeModel(model));
}

export async function readModelFile(file: string): Promise<SavedModel> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read model weights ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseModel(text, file);
}

export async function writeCheckpointFile(file: string, jobId: string, state: TrainerState): Promise<void> {
  const body: CheckpointFile = {
    format: CHECKPOINT_FORMAT,
    version: FORMAT_VERSION,
    jobId,
    fingerprint: state.fingerprint,
    completedSteps: state.completedSteps,
    snapshots: state.snapshots,
    vocabulary: state.vocabulary,
    parameters: encodeFloats(state.params),
    adamM: encodeFloats(state.adamM),
    adamV: encodeFloats(state.adamV),
  };
  await writeFileAtomic(file, JSON.stringify(body));
}

/** The full checkpoint, or undefined when there is none; a damaged one is an error, never ignored. */
export async function readCheckpointState(file: string): Promise<(TrainerState & { jobId: string }) | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read checkpoint ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const body = JSON.parse(text) as Partial<CheckpointFile>;
    if (body.format !== CHECKPOINT_FORMAT) throw new Error(`not a checkpoint (format ${JSON.stringify(body.format)})`);
    if (body.version !== FORMAT_VERSION) throw new Error(`unsupported version ${String(body.version)}`);
    if (typeof body.jobId !== 'string' || typeof body.fingerprint !== 'string') throw new Error('job id or fingerprint missing');
    const completedSteps = body.completedSteps;
    if (typeof completedSteps !== 'number' || !Number.isInteger(completedSteps) || completedSteps < 0) throw new Error('completedSteps is not a count');
    const snapshots = checkSnapshots(body.snapshots);
    if (snapshots.length !== completedSteps) throw new Error(`${completedSteps} completed steps but ${snapshots.length} snapshots`);
    return {
      jobId: body.jobId,
      fingerprint: body.fingerprint,
      completedSteps,
      snapshots,
      vocabulary: checkVocabulary(body.vocabulary),
      params: decodeFloats(body.parameters, Float64Array, 'parameters'),
      adamM: decodeFloats(body.adamM, Float64Array, 'optimizer state'),
      adamV: decodeFloats(body.adamV, Float64Array, 'optimizer state'),
    };
  } catch (err) {
    throw new Error(`checkpoint ${file} is corrupt: ${(err as Error).message}`);
  }
}

function checkVocabulary(value: unknown): number[] {
  if (!Array.isArray(value) || !value.every((c) => Number.isInteger(c) && c >= 0 && c <= 0x10ffff)) {
    throw new Error('vocabulary is not a list of code points');
  }
  return value as number[];
}

function checkMemory(value: unknown): MemoryExample[] {
  if (!Array.isArray(value)) throw new Error('memory is not a list');
  return value.map((e: unknown, i) => {
    const ex = e as Partial<MemoryExample> | null;
    if (!ex || typeof ex.textInput !== 'string' || typeof ex.output !== 'string') throw new Error(`memory example ${i} is malformed`);
    return { textInput: ex.textInput, output: ex.output };
  });
}

function checkSnapshots(value: unknown): StepReport[] {
  if (!Array.isArray(value)) throw new Error('snapshots are not a list');
  return value.map((s: unknown, i) => {
    const r = s as Partial<StepReport> | null;
    if (
      !r ||
      r.step !== i + 1 ||
      typeof r.epoch !== 'number' ||
      typeof r.meanLoss !== 'number' ||
      !Number.isFinite(r.meanLoss) ||
      typeof r.computeTime !== 'string' ||
      typeof r.totalSteps !== 'number'
    ) {
      throw new Error(`snapshot ${i + 1} is malformed`);
    }
    return { step: r.step, epoch: r.epoch, meanLoss: r.meanLoss, computeTime: r.computeTime, totalSteps: r.totalSteps };
  });
}
