import { promises as fs } from 'node:fs';
import { writeFileAtomic } from './atomicWrite';
import { layoutOf, MAX_INPUT_BYTES, type NetworkConfig } from './network';
import { type StepReport, type TrainerState } from './trainer';

const MODEL_FORMAT = 'gemini-tuning-local-model';
const CHECKPOINT_FORMAT = 'gemini-tuning-checkpoint';
const FORMAT_VERSION = 2;
const MAGIC = 'GTLM';

/** A trained model on disk: the network's shape and its float32 weights. */
export interface SavedModel {
  config: NetworkConfig;
  weights: Float32Array;
  trainedSteps: number;
}

/**
 * Files are a small JSON header and raw little-endian float32 arrays after it:
 * "GTLM", the header's length (uint32), the header, padding to 4 bytes, then the arrays in the
 * order the header lists them. A checkpoint of the default network is about 4.8 MB.
 */
function pack(header: object, arrays: Float32Array[]): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headerEnd = 8 + json.length;
  const dataStart = (headerEnd + 3) & ~3;
  const total = dataStart + arrays.reduce((n, a) => n + a.byteLength, 0);
  const out = Buffer.alloc(total);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  let at = dataStart;
  for (const a of arrays) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, at);
    at += a.byteLength;
  }
  return out;
}

function unpack(bytes: Buffer, lengths: (header: Record<string, unknown>) => number[]): { header: Record<string, unknown>; arrays: Float32Array[] } {
  if (bytes.length < 8 || bytes.toString('latin1', 0, 4) !== MAGIC) throw new Error('not a local model file (bad signature)');
  const jsonLength = bytes.readUInt32LE(4);
  if (8 + jsonLength > bytes.length) throw new Error('truncated header');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + jsonLength)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`unreadable header: ${(err as Error).message}`);
  }
  const sizes = lengths(header);
  let at = (8 + jsonLength + 3) & ~3;
  const expected = at + sizes.reduce((n, s) => n + s * 4, 0);
  if (bytes.length !== expected) throw new Error(`${bytes.length} bytes where ${expected} were expected`);
  const arrays = sizes.map((size) => {
    const copy = new Float32Array(size);
    new Uint8Array(copy.buffer).set(bytes.subarray(at, at + size * 4));
    at += size * 4;
    for (const v of copy) if (!Number.isFinite(v)) throw new Error('contains a value that is not finite');
    return copy;
  });
  return { header, arrays };
}

/** A prompt has at most MAX_INPUT_BYTES + 2 tokens, so at most that many common n-grams. */
const MAX_COMMON_GRAMS = MAX_INPUT_BYTES + 2;

function checkConfig(value: unknown): NetworkConfig {
  const c = value as Partial<NetworkConfig> | null;
  const keys: (keyof NetworkConfig)[] = ['embed', 'hidden', 'state', 'outHidden', 'buckets', 'window', 'wideBuckets', 'wideRank'];
  const fits = (k: keyof NetworkConfig) => Number.isInteger(c?.[k]) && (c?.[k] as number) >= (k.startsWith('wide') ? 0 : 1) && (c?.[k] as number) <= 1 << 20;
  if (!c || !keys.every(fits)) throw new Error('network shape is missing or invalid');
  const config = Object.fromEntries(keys.map((k) => [k, c[k]])) as unknown as NetworkConfig;
  if (c.wideNgram !== undefined) {
    if (!Number.isInteger(c.wideNgram) || c.wideNgram < 1 || c.wideNgram > 64) throw new Error('network shape is invalid: wideNgram must be an integer from 1 to 64');
    config.wideNgram = c.wideNgram;
  }
  if (c.wideHistory !== undefined) {
    if (!Number.isInteger(c.wideHistory) || c.wideHistory < 1 || c.wideHistory > 64) throw new Error('network shape is invalid: wideHistory must be an integer from 1 to 64');
    config.wideHistory = c.wideHistory;
  }
  if (c.wideCommon !== undefined) {
    const common = c.wideCommon as unknown;
    const isHash = (h: unknown) => Number.isInteger(h) && (h as number) >= 0 && (h as number) <= 0xffffffff;
    if (!Array.isArray(common) || common.length > MAX_COMMON_GRAMS || !common.every(isHash)) {
      throw new Error(`network shape is invalid: wideCommon must be a list of at most ${MAX_COMMON_GRAMS} n-gram hashes`);
    }
    config.wideCommon = common as number[];
  }
  return config;
}

export function serializeModel(model: SavedModel): Buffer {
  return pack({ format: MODEL_FORMAT, version: FORMAT_VERSION, config: model.config, trainedSteps: model.trainedSteps }, [model.weights]);
}

export function parseModel(bytes: Buffer, source: string): SavedModel {
  try {
    let config: NetworkConfig | undefined;
    const { header, arrays } = unpack(bytes, (h) => {
      if (h.format !== MODEL_FORMAT) throw new Error(`not a local model file (format ${JSON.stringify(h.format)})`);
      if (h.version !== FORMAT_VERSION) throw new Error(`unsupported version ${String(h.version)}`);
      config = checkConfig(h.config);
      return [layoutOf(config).size];
    });
    return { config: config as NetworkConfig, weights: arrays[0], trainedSteps: Number(header.trainedSteps ?? 0) };
  } catch (err) {
    throw new Error(`model weights ${source} are corrupt: ${(err as Error).message}`);
  }
}

export async function writeModelFile(file: string, model: SavedModel): Promise<void> {
  await writeFileAtomic(file, serializeModel(model));
}

export async function readModelFile(file: string): Promise<SavedModel> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw new Error(`cannot read model weights ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseModel(bytes, file);
}

export interface CheckpointContents extends TrainerState {
  jobId: string;
  config: NetworkConfig;
}

export async function writeCheckpointFile(file: string, jobId: string, config: NetworkConfig, state: TrainerState): Promise<void> {
  const header = {
    format: CHECKPOINT_FORMAT,
    version: FORMAT_VERSION,
    jobId,
    fingerprint: state.fingerprint,
    config,
    completedSteps: state.completedSteps,
    snapshots: state.snapshots,
  };
  await writeFileAtomic(file, pack(header, [state.weights, state.adamM, state.adamV]));
}

/** The full checkpoint, or undefined when there is none; a damaged one is an error, never ignored. */
export async function readCheckpointState(file: string): Promise<CheckpointContents | undefined> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read checkpoint ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    let config: NetworkConfig | undefined;
    const { header, arrays } = unpack(bytes, (h) => {
      if (h.format !== CHECKPOINT_FORMAT) throw new Error(`not a checkpoint (format ${JSON.stringify(h.format)})`);
      if (h.version !== FORMAT_VERSION) throw new Error(`unsupported version ${String(h.version)}`);
      config = checkConfig(h.config);
      const size = layoutOf(config).size;
      return [size, size, size];
    });
    if (typeof header.jobId !== 'string' || typeof header.fingerprint !== 'string') throw new Error('job id or fingerprint missing');
    const completedSteps = header.completedSteps;
    if (typeof completedSteps !== 'number' || !Number.isInteger(completedSteps) || completedSteps < 0) throw new Error('completedSteps is not a count');
    const snapshots = checkSnapshots(header.snapshots);
    if (snapshots.length !== completedSteps) throw new Error(`${completedSteps} completed steps but ${snapshots.length} snapshots`);
    return {
      jobId: header.jobId,
      fingerprint: header.fingerprint,
      config: config as NetworkConfig,
      completedSteps,
      snapshots,
      weights: arrays[0],
      adamM: arrays[1],
      adamV: arrays[2],
    };
  } catch (err) {
    throw new Error(`checkpoint ${file} is corrupt: ${(err as Error).message}`);
  }
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
      typeof r.totalSteps !== 'number' ||
      (r.evalLoss !== undefined && (typeof r.evalLoss !== 'number' || !Number.isFinite(r.evalLoss)))
    ) {
      throw new Error(`snapshot ${i + 1} is malformed`);
    }
    return { step: r.step, epoch: r.epoch, meanLoss: r.meanLoss, computeTime: r.computeTime, totalSteps: r.totalSteps, ...(r.evalLoss !== undefined ? { evalLoss: r.evalLoss } : {}) };
  });
}
