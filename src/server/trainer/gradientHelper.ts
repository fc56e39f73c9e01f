import { Worker } from 'node:worker_threads';
import { Network, type NetworkConfig } from './network';
import { encodePair, type EncodedPair, type TrainingPair } from './trainer';

/**
 * A second thread that computes part of every step's gradient (data parallelism over the two
 * cores of a small machine). It reads the job's weights from shared memory and writes its part of
 * the gradient into shared memory; the trainer adds the parts in a fixed order, so the result does
 * not depend on which thread finishes first, nor on whether a helper is used at all.
 */

// slots of the control array
const REQUEST = 0;
const ANSWERED = 1;
const COUNT = 2;
const FAILED = 3;
const STOP = 4;
const INDICES = 8;
/** A helper that has not answered a step after this long is taken as gone (a step takes well under a second). */
const ANSWER_TIMEOUT_MS = 120_000;

export interface GradientHelperData {
  kind: 'gradient';
  config: NetworkConfig;
  examples: TrainingPair[];
  weights: SharedArrayBuffer;
  grad: SharedArrayBuffer;
  control: SharedArrayBuffer;
  /** [0]: the scale every example's gradient is multiplied by; [1]: the helper's summed NLL. */
  numbers: SharedArrayBuffer;
}

/** The trainer's side: hands a set of examples to the helper and waits for its part of the gradient. */
export class GradientHelper {
  readonly grad: Float64Array;
  private readonly control: Int32Array;
  private readonly numbers: Float64Array;
  private readonly worker: Worker;
  private requests = 0;
  /** Requests the helper has answered. */
  answered = 0;

  constructor(workerScript: string, config: NetworkConfig, examples: readonly TrainingPair[], weights: Float32Array, maxBatch: number) {
    if (!(weights.buffer instanceof SharedArrayBuffer)) throw new Error('the gradient helper needs weights in shared memory');
    const data: GradientHelperData = {
      kind: 'gradient',
      config,
      examples: examples.map((e) => ({ textInput: e.textInput, output: e.output })),
      weights: weights.buffer,
      grad: new SharedArrayBuffer(weights.length * 8),
      control: new SharedArrayBuffer((INDICES + maxBatch) * 4),
      numbers: new SharedArrayBuffer(16),
    };
    this.grad = new Float64Array(data.grad);
    this.control = new Int32Array(data.control);
    this.numbers = new Float64Array(data.numbers);
    this.worker = new Worker(workerScript, { workerData: data });
    this.worker.unref();
    // a failure is reported through the control array; the event only keeps it from being unhandled
    this.worker.on('error', () => undefined);
  }

  /** Starts the gradient of `indices` (scaled by `scale`) on the helper thread. */
  start(indices: readonly number[], scale: number): void {
    if (INDICES + indices.length > this.control.length) throw new Error('the batch is larger than the gradient helper was made for');
    for (let k = 0; k < indices.length; k++) this.control[INDICES + k] = indices[k];
    this.control[COUNT] = indices.length;
    this.numbers[0] = scale;
    this.requests++;
    Atomics.store(this.control, REQUEST, this.requests);
    Atomics.notify(this.control, REQUEST);
  }

  /** Waits for the helper's part; `grad` then holds its gradient. Returns the summed NLL of its examples. */
  finish(): number {
    const started = Date.now();
    while (Atomics.load(this.control, ANSWERED) !== this.requests) {
      if (Atomics.load(this.control, FAILED) !== 0) throw new Error('the gradient helper thread failed while computing a step');
      if (Date.now() - started > ANSWER_TIMEOUT_MS) throw new Error(`the gradient helper thread did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`);
      Atomics.wait(this.control, ANSWERED, Atomics.load(this.control, ANSWERED), 1000);
    }
    if (Atomics.load(this.control, FAILED) !== 0) throw new Error('the gradient helper thread failed while computing a step');
    this.answered++;
    return this.numbers[1];
  }

  async close(): Promise<void> {
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, REQUEST, 1);
    Atomics.notify(this.control, REQUEST);
    await this.worker.terminate();
  }
}

/** The helper thread's loop (run by the trainer worker bundle when its task is 'gradient'). */
export function serveGradients(data: GradientHelperData): void {
  const network = new Network(data.config, new Float32Array(data.weights));
  const pairs: EncodedPair[] = data.examples.map(encodePair);
  const grad = new Float64Array(data.grad);
  const control = new Int32Array(data.control);
  const numbers = new Float64Array(data.numbers);
  let served = 0;
  for (;;) {
    Atomics.wait(control, REQUEST, served);
    const request = Atomics.load(control, REQUEST);
    if (Atomics.load(control, STOP) !== 0) return;
    if (request === served) continue;
    served = request;
    try {
      grad.fill(0);
      const scale = numbers[0];
      let nll = 0;
      const count = control[COUNT];
      for (let k = 0; k < count; k++) {
        const e = pairs[control[INDICES + k]];
        nll += network.tuningLoss(e.input, e.target, grad, scale).nll;
      }
      numbers[1] = nll;
    } catch {
      Atomics.store(control, FAILED, 1);
    }
    Atomics.store(control, ANSWERED, served);
    Atomics.notify(control, ANSWERED);
  }
}
