import type { GenerationPool } from '../generationPool';
import type { TrainerPort, TrainingQueuePort } from '../trainerPort';
import { ObjectStore } from './objectStore';
import { StorageApi } from './storageRoutes';
import { TuningJobStore } from './tuningJobStore';
import { VertexApi } from './vertexApi';
import { VertexTuning } from './vertexTuning';

export interface VertexSurfaceOptions {
  dataDir: string;
  trainer: TrainerPort;
  /** The trainer queue the Gemini API surface uses too. */
  queue: TrainingQueuePort;
  /** The worker threads that run generations, shared with the Gemini API surface. */
  generations: GenerationPool;
  stepDelayMs: number;
  token?: string;
  log: (line: string) => void;
}

/** Opens the tuning jobs and Cloud Storage in the data folder, resumes unfinished jobs, and returns the HTTP surface. */
export async function startVertexSurface(opts: VertexSurfaceOptions): Promise<{ api: VertexApi; close(): Promise<void> }> {
  const objects = new ObjectStore(opts.dataDir);
  const storage = new StorageApi(objects);
  await storage.open();
  const jobs = new TuningJobStore(opts.dataDir);
  for (const problem of await jobs.open()) opts.log(`[vertex] ${problem}`);
  const tuning = new VertexTuning(jobs, objects, opts.trainer, opts.queue, { stepDelayMs: opts.stepDelayMs, log: opts.log });
  await tuning.recover();
  return { api: new VertexApi(jobs, tuning, storage, opts.generations, opts.token), close: () => tuning.close() };
}
