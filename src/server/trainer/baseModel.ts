import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Adam } from './adam';
import { pretrainingExample } from './corpus';
import { DEFAULT_CONFIG, initialWeights, layoutOf, Network, type NetworkConfig } from './network';
import { parseModel, readModelFile, type SavedModel, serializeModel } from './persistence';
import { writeFileAtomic } from './atomicWrite';
import { Rng } from './rng';
import { batchLoss, encodePair } from './trainer';

/**
 * How `models/gemini-1.5-flash-001-tuning` is made on this machine: the network trained from a
 * seeded start on a stream of generated examples (see ./corpus). Changing any of this changes the
 * cache key, so an old cached model is never used for a new recipe.
 */
export interface PretrainingRecipe {
  version: number;
  config: NetworkConfig;
  steps: number;
  batchSize: number;
  /** Adam's peak step size; it warms up over the first steps and decays to a tenth along a cosine. */
  stepSize: number;
  warmupSteps: number;
  seed: number;
}

export const BASE_RECIPE: PretrainingRecipe = {
  version: 1,
  config: DEFAULT_CONFIG,
  steps: 1500,
  batchSize: 16,
  stepSize: 0.004,
  warmupSteps: 50,
  seed: 1,
};

export interface PretrainingRecord {
  recipe: PretrainingRecipe;
  /** Wall time of the pretraining run that produced the cached weights. */
  milliseconds: number;
  finalLoss: number;
  tokens: number;
  finishedAt: string;
}

export function stepSizeAt(recipe: PretrainingRecipe, step: number): number {
  if (step < recipe.warmupSteps) return (recipe.stepSize * (step + 1)) / recipe.warmupSteps;
  const progress = (step - recipe.warmupSteps) / Math.max(1, recipe.steps - recipe.warmupSteps);
  return recipe.stepSize * (0.1 + 0.45 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
}

/** Trains the base model from scratch: deterministic for a recipe. */
export function pretrain(recipe: PretrainingRecipe = BASE_RECIPE, onProgress?: (step: number, loss: number) => void): { model: SavedModel; record: PretrainingRecord } {
  const started = Date.now();
  const layout = layoutOf(recipe.config);
  const weights = initialWeights(layout, recipe.seed);
  const network = new Network(recipe.config, weights);
  const adam = new Adam(weights);
  const grad = new Float64Array(layout.size);
  const rng = Rng.fromSeed(recipe.seed, 0xc0de);
  let recent = 0;
  let tokens = 0;
  for (let step = 0; step < recipe.steps; step++) {
    const batch = Array.from({ length: recipe.batchSize }, () => encodePair(pretrainingExample(rng)));
    for (const e of batch) tokens += e.target.length;
    const loss = batchLoss(network, batch, grad);
    // the wide part learns only from a user's examples
    grad.fill(0, layout.wide);
    adam.update(grad, step + 1, stepSizeAt(recipe, step));
    recent = step === 0 ? loss : 0.95 * recent + 0.05 * loss;
    onProgress?.(step + 1, loss);
  }
  return {
    model: { config: recipe.config, weights, trainedSteps: recipe.steps },
    record: { recipe, milliseconds: Date.now() - started, finalLoss: recent, tokens, finishedAt: new Date().toISOString() },
  };
}

export function recipeKey(recipe: PretrainingRecipe = BASE_RECIPE): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(recipe));
  // the corpus generator is part of the recipe: a sample of it goes into the key
  const rng = Rng.fromSeed(recipe.seed, 0xc0de);
  for (let i = 0; i < 200; i++) hash.update(JSON.stringify(pretrainingExample(rng)));
  return hash.digest('hex').slice(0, 16);
}

/** The shared cache every local server and test run on this machine can reuse. */
export function sharedModelCacheDir(): string {
  return process.env.GEMINI_TUNING_MODEL_CACHE || path.join(os.homedir(), '.cache', 'gemini-tuning', 'models');
}

export function baseModelFiles(dir: string, recipe: PretrainingRecipe = BASE_RECIPE): { weights: string; record: string } {
  const stem = path.join(dir, `base-${recipeKey(recipe)}`);
  return { weights: `${stem}.model`, record: `${stem}.json` };
}

async function readCached(dir: string, recipe: PretrainingRecipe): Promise<{ model: SavedModel; bytes: Buffer; record?: PretrainingRecord } | undefined> {
  const files = baseModelFiles(dir, recipe);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(files.weights);
  } catch {
    return undefined;
  }
  let model: SavedModel;
  try {
    model = parseModel(bytes, files.weights);
  } catch {
    return undefined; // a damaged cache entry is rebuilt
  }
  const record = await fs
    .readFile(files.record, 'utf8')
    .then((t) => JSON.parse(t) as PretrainingRecord)
    .catch(() => undefined);
  return { model, bytes, record };
}

async function store(dir: string, recipe: PretrainingRecipe, bytes: Buffer, record: PretrainingRecord | undefined): Promise<void> {
  const files = baseModelFiles(dir, recipe);
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(files.weights, bytes);
  if (record) await writeFileAtomic(files.record, JSON.stringify(record, null, 2));
}

/**
 * The base model's weights file in `dirs[0]`: taken from the first directory that has it (and
 * copied into the earlier ones), or pretrained now and written to every directory. Directories
 * after the first are best effort (a shared cache that cannot be written is skipped).
 */
export async function ensureBaseModelFile(
  dirs: readonly string[],
  recipe: PretrainingRecipe = BASE_RECIPE,
  log: (line: string) => void = () => undefined,
): Promise<{ file: string; record?: PretrainingRecord; pretrainedNow: boolean }> {
  if (dirs.length === 0) throw new Error('ensureBaseModelFile needs at least one directory');
  for (let i = 0; i < dirs.length; i++) {
    const found = await readCached(dirs[i], recipe);
    if (!found) continue;
    if (i > 0) await store(dirs[0], recipe, found.bytes, found.record);
    return { file: baseModelFiles(dirs[0], recipe).weights, record: found.record, pretrainedNow: false };
  }
  log(`[trainer] pretraining the base model (${recipe.steps} steps); it is cached afterwards`);
  const { model, record } = pretrain(recipe, (step, loss) => {
    if (step % 100 === 0) log(`[trainer] base model pretraining: step ${step}/${recipe.steps}, loss ${loss.toFixed(3)}`);
  });
  log(`[trainer] base model pretrained in ${(record.milliseconds / 1000).toFixed(1)} s`);
  const bytes = serializeModel(model);
  await store(dirs[0], recipe, bytes, record);
  for (const dir of dirs.slice(1)) await store(dir, recipe, bytes, record).catch(() => undefined);
  return { file: baseModelFiles(dirs[0], recipe).weights, record, pretrainedNow: true };
}

export async function loadBaseModel(dirs: readonly string[], recipe: PretrainingRecipe = BASE_RECIPE): Promise<SavedModel> {
  const { file } = await ensureBaseModelFile(dirs, recipe);
  return readModelFile(file);
}
