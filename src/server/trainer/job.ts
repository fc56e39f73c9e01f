import { setTimeout as delay } from 'node:timers/promises';
import { removeStaleTemporaries } from './atomicWrite';
import { ensureBaseModelFile, sharedModelCacheDir } from './baseModel';
import { readCheckpointState, readModelFile, type SavedModel, writeCheckpointFile, writeModelFile } from './persistence';
import { type TrainingJobSpec } from './workerProtocol';
import { type StepReport, Trainer } from './trainer';

export interface JobHooks {
  onStart?(resumedFrom: number, totalSteps: number): void;
  onStep(report: StepReport): void;
}

/**
 * Runs one training job to its end: starts from the source model (or the base model), resumes from
 * the checkpoint when there is one, writes a new checkpoint after every step (before reporting it,
 * so a reported step is never lost), and the final weights last.
 */
export async function runTrainingJob(spec: TrainingJobSpec, hooks: JobHooks, helperScript?: string): Promise<void> {
  await removeStaleTemporaries(spec.checkpointFile);
  await removeStaleTemporaries(spec.weightsFile);
  for (const file of spec.epochWeightsFiles ?? []) await removeStaleTemporaries(file);
  const startFile = spec.sourceWeightsFile ?? spec.baseWeightsFile ?? (await ensureBaseModelFile([sharedModelCacheDir()])).file;
  const start = await readModelFile(startFile);
  const checkpoint = await readCheckpointState(spec.checkpointFile);
  if (checkpoint && checkpoint.jobId !== spec.jobId) {
    throw new Error(`checkpoint ${spec.checkpointFile} belongs to job ${checkpoint.jobId}, not ${spec.jobId}`);
  }
  let trainer: Trainer;
  try {
    trainer = new Trainer(
      {
        examples: spec.examples,
        epochCount: spec.epochCount,
        batchSize: spec.batchSize,
        learningRate: spec.learningRate,
        seed: spec.seed,
        start,
        validation: spec.validationExamples,
        evaluationInterval: spec.evaluationInterval,
      },
      checkpoint,
    );
  } catch (err) {
    throw new Error(checkpoint ? `cannot resume from checkpoint ${spec.checkpointFile}: ${(err as Error).message}` : (err as Error).message);
  }
  hooks.onStart?.(trainer.completedSteps, trainer.totalSteps);
  if (helperScript && spec.batchSize > 1 && !trainer.done) trainer.useHelperThread(helperScript);
  try {
    await trainSteps(spec, trainer, start, hooks);
  } finally {
    await trainer.close();
  }
  await writeModelFile(spec.weightsFile, {
    config: trainer.network.config,
    weights: trainer.network.weights,
    trainedSteps: start.trainedSteps + trainer.totalSteps,
  });
}

async function trainSteps(spec: TrainingJobSpec, trainer: Trainer, start: SavedModel, hooks: JobHooks): Promise<void> {
  while (!trainer.done) {
    const epochsBefore = trainer.epochsCompletedAfter(trainer.completedSteps);
    const report = trainer.step();
    const epochsAfter = trainer.epochsCompletedAfter(trainer.completedSteps);
    for (let epoch = epochsBefore + 1; epoch <= epochsAfter; epoch++) {
      const file = spec.epochWeightsFiles?.[epoch - 1];
      if (file) await writeModelFile(file, { config: trainer.network.config, weights: trainer.network.weights, trainedSteps: start.trainedSteps + trainer.completedSteps });
    }
    await writeCheckpointFile(spec.checkpointFile, spec.jobId, trainer.network.config, trainer.state());
    hooks.onStep(report);
    if (spec.stepDelayMs && spec.stepDelayMs > 0 && !trainer.done) await delay(spec.stepDelayMs);
  }
}
