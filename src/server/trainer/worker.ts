import { parentPort, workerData } from 'node:worker_threads';
import { runTrainingJob } from './job';
import { type TrainingJobSpec, type WorkerMessage } from './workerProtocol';

// Entry point of a training worker thread (bundled to dist/trainer-worker.js): runs the one job it
// was given and reports every step to the queue in the main thread.
const port = parentPort;
if (!port) throw new Error('trainer-worker.js must run as a worker thread');
const post = (message: WorkerMessage) => port.postMessage(message);

runTrainingJob(workerData as TrainingJobSpec, {
  onStart: (resumedFrom, totalSteps) => post({ kind: 'started', resumedFrom, totalSteps }),
  onStep: (report) => post({ kind: 'step', report }),
}).then(
  () => post({ kind: 'done' }),
  (err: unknown) => post({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }),
);
