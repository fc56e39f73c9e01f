import { parentPort, workerData } from 'node:worker_threads';
import { ensureBaseModelFile } from './baseModel';
import { lowerThreadPriority, serveGenerations } from './generationWorker';
import type { GenerationWorkerTask } from './generationProtocol';
import { type GradientHelperData, serveGradients } from './gradientHelper';
import { runTrainingJob } from './job';
import { type WorkerMessage, type WorkerTask } from './workerProtocol';

// Entry point of a trainer worker thread (bundled to dist/trainer-worker.js): runs the one task it
// was given (a training job, or pretraining the base model) and reports to the main thread, or
// serves generations for as long as it lives. A training job's own worker starts one more from
// this file to compute half of each step's gradient.
const port = parentPort;
if (!port) throw new Error('trainer-worker.js must run as a worker thread');
const post = (message: WorkerMessage) => port.postMessage(message);
const task = workerData as WorkerTask | GenerationWorkerTask | GradientHelperData;

if (task.kind === 'generate') {
  lowerThreadPriority();
  serveGenerations(port, new Int32Array(task.streamsWithoutFirstChunk));
} else if (task.kind === 'gradient') {
  serveGradients(task);
} else {
  const run: Promise<void> =
    task.kind === 'pretrain'
      ? ensureBaseModelFile(task.dirs, undefined, (line) => post({ kind: 'log', line })).then(({ file }) => post({ kind: 'pretrained', file }))
      : runTrainingJob(
          task.spec,
          {
            onStart: (resumedFrom, totalSteps) => post({ kind: 'started', resumedFrom, totalSteps }),
            onStep: (report) => post({ kind: 'step', report }),
          },
          __filename,
        );

  run.then(
    () => post({ kind: 'done' }),
    (err: unknown) => post({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }),
  );
}
