import * as assert from 'node:assert/strict';
import {
  describeEstimate,
  describeJobs,
  estimateJob,
  formatRemaining,
  JobEtaTracker,
  MIN_STEPS_FOR_ESTIMATE,
  smoothedMsPerStep,
  summarizeJobs,
  type JobEstimate,
} from '../../../src/core/tunedModels/eta';
import { modelTooltipMarkdown } from '../../../src/core/tunedModels/presentation';
import { type TunedModelInfo, type TuningLossPoint } from '../../../src/core/tuning/model';

const START = Date.parse('2026-12-03T10:00:00Z');

/** Steps 1…n, each `msPerStep(i)` after the one before. */
function timeline(n: number, msPerStep: (step: number) => number): { steps: number[]; times: number[] } {
  const steps: number[] = [];
  const times: number[] = [];
  let t = START;
  for (let i = 1; i <= n; i++) {
    t += msPerStep(i);
    steps.push(i);
    times.push(t);
  }
  return { steps, times };
}

function runningModel(name: string, completedSteps: number | undefined, totalSteps: number | undefined, loss: TuningLossPoint[] = []): TunedModelInfo {
  return {
    name,
    backend: 'gemini',
    displayName: name.replace('tunedModels/', ''),
    state: 'creating',
    progress: { completedSteps, totalSteps, percent: completedSteps !== undefined && totalSteps ? Math.floor((completedSteps / totalSteps) * 100) : undefined },
    loss,
    sampling: {},
    capabilities: { rename: true, editDescription: true, editSampling: true, delete: true, share: true, transferOwnership: true, cancel: true },
    raw: {},
  };
}

function snapshots(n: number, msPerStep: number): TuningLossPoint[] {
  return Array.from({ length: n }, (_, i) => ({ step: i + 1, loss: 1, computeTime: new Date(START + (i + 1) * msPerStep).toISOString() }));
}

describe('ETA: the smoothed step rate', () => {
  it('is unknown until the samples span enough steps', () => {
    for (let n = 0; n <= MIN_STEPS_FOR_ESTIMATE; n++) {
      const { steps, times } = timeline(n, () => 500);
      // n samples span n - 1 steps.
      assert.equal(smoothedMsPerStep(steps, times), undefined, `${n} samples`);
    }
    const { steps, times } = timeline(MIN_STEPS_FOR_ESTIMATE + 1, () => 500);
    assert.equal(smoothedMsPerStep(steps, times), 500);
  });

  it('counts an interval over several steps as that many steps', () => {
    // Two samples 4 steps apart, 2 s between them: 500 ms a step, and enough steps to estimate.
    assert.equal(smoothedMsPerStep([10, 14], [START, START + 2000]), 500);
    assert.equal(smoothedMsPerStep([10, 12], [START, START + 1000]), undefined);
  });

  it('smooths a noisy pace to near its mean', () => {
    let seed = 12345;
    console.log(`      noisy pace seed ${seed}`);
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const { steps, times } = timeline(300, () => 1000 + (random() - 0.5) * 1000);
    const rate = smoothedMsPerStep(steps, times);
    assert.ok(rate !== undefined && Math.abs(rate - 1000) < 150, `smoothed ${rate} ms/step for a pace of 500–1500`);
    // The last raw interval alone can be anywhere in 500–1500; the smoothed one stays close to 1000.
  });

  it('follows a change of pace within a few half-lives, weighting recent steps more', () => {
    const { steps, times } = timeline(200, (i) => (i <= 100 ? 1000 : 2000));
    const rate = smoothedMsPerStep(steps, times)!;
    assert.ok(rate > 1900 && rate <= 2000, `after 100 steps at the new pace: ${rate}`);
    const early = timeline(110, (i) => (i <= 100 ? 1000 : 2000));
    const soon = smoothedMsPerStep(early.steps, early.times)!;
    assert.ok(soon > 1200 && soon < 1500, `10 steps after the change, between the paces: ${soon}`);
  });

  it('does not let a slow first interval linger as the starting value', () => {
    // Warm-up: the first step took 3 s, the next 9 took 100 ms each. A plain EMA seeded with the
    // first interval would still say about 1.4 s a step.
    const { steps, times } = timeline(10, (i) => (i === 2 ? 3000 : 100));
    const rate = smoothedMsPerStep(steps, times)!;
    assert.ok(rate < 500, `${rate.toFixed(0)} ms/step`);
  });

  it('skips samples without a time and steps that do not move forward', () => {
    assert.equal(smoothedMsPerStep([1, 2, 3, 3, 4, 5], [START, null, START + 1000, START + 5000, START + 1500, START + 2000]), 500);
  });
});

describe('ETA: one job', () => {
  const job = { name: 'tunedModels/a', label: 'a', completedSteps: 40, totalSteps: 100, msPerStep: 500, lastStepAtMs: START };

  it('is the remaining steps at the pace, less the time since the last step, never negative', () => {
    assert.equal(estimateJob(job, START).remainingMs, 30_000);
    assert.equal(estimateJob(job, START + 10_000).remainingMs, 20_000);
    assert.equal(estimateJob(job, START + 60_000).remainingMs, 0);
    assert.equal(estimateJob(job, START).percent, 40);
  });

  it('says why there is no estimate', () => {
    assert.equal(estimateJob({ ...job, msPerStep: undefined }, START).noEstimate, 'measuring');
    assert.equal(estimateJob({ ...job, completedSteps: 0, msPerStep: undefined }, START).noEstimate, 'waiting');
    assert.equal(estimateJob({ ...job, totalSteps: undefined }, START).noEstimate, 'noTotal');
    assert.equal(describeEstimate(estimateJob({ ...job, msPerStep: undefined }, START)), `estimating (after ${MIN_STEPS_FOR_ESTIMATE} steps)`);
    assert.equal(describeEstimate(estimateJob(job, START)), 'about 30s left');
  });

  it('formats the time left rounded up', () => {
    assert.equal(formatRemaining(0), '0s');
    assert.equal(formatRemaining(44_100), '45s');
    assert.equal(formatRemaining(185_000), '3m 05s');
    assert.equal(formatRemaining(3_720_000), '1h 02m');
  });
});

describe('ETA: several jobs', () => {
  const estimate = (completedSteps: number, totalSteps: number | undefined, remainingMs?: number): JobEstimate => ({
    name: `n${completedSteps}`,
    label: 'x',
    completedSteps,
    totalSteps,
    remainingMs,
    ...(remainingMs === undefined ? { noEstimate: 'measuring' as const } : {}),
  });

  it('gives the steps done out of all planned, and the time until the last job is done', () => {
    const summary = summarizeJobs([estimate(50, 100, 20_000), estimate(10, 300, 90_000)]);
    assert.deepEqual(summary, { running: 2, percent: 15, remainingMs: 90_000, estimating: 0 });
  });

  it('gives only a lower bound while a job has no estimate, such as one waiting in the queue', () => {
    const summary = summarizeJobs([estimate(50, 100, 20_000), estimate(0, 200)]);
    assert.deepEqual(summary, { running: 2, percent: 16, atLeastMs: 20_000, estimating: 1 });
    assert.deepEqual(summarizeJobs([estimate(0, undefined)]), { running: 1, percent: undefined, atLeastMs: undefined, estimating: 1 });
  });

  it('reads as jobs running, percent and ETA', () => {
    assert.equal(describeJobs(summarizeJobs([estimate(50, 100, 20_000), estimate(10, 300, 90_000)])), '2 tuning jobs · 15% · ETA 1m 30s');
    assert.equal(describeJobs(summarizeJobs([estimate(50, 100, 20_000), estimate(0, 200)])), '2 tuning jobs · 16% · ETA ≥ 20s');
    assert.equal(describeJobs(summarizeJobs([estimate(1, 100)])), '1 tuning job · 1% · ETA estimating…');
  });
});

describe('ETA: following a model list', () => {
  it('reads the pace from the snapshots’ compute times', () => {
    const tracker = new JobEtaTracker();
    tracker.update([runningModel('tunedModels/a', 10, 50, snapshots(10, 800))], START + 10 * 800);
    const e = tracker.estimate('tunedModels/a', START + 10 * 800)!;
    assert.equal(e.msPerStep, 800);
    assert.equal(e.remainingMs, 40 * 800);
    assert.equal(e.percent, 20);
  });

  it('without compute times, reads the pace from the steps seen at each update', () => {
    const tracker = new JobEtaTracker();
    tracker.update([runningModel('tunedModels/v', 2, 100)], START);
    assert.equal(tracker.estimate('tunedModels/v', START)!.noEstimate, 'measuring');
    tracker.update([runningModel('tunedModels/v', 2, 100)], START + 5_000);
    tracker.update([runningModel('tunedModels/v', 12, 100)], START + 10_000);
    const e = tracker.estimate('tunedModels/v', START + 10_000)!;
    assert.equal(e.msPerStep, 1000);
    assert.equal(e.remainingMs, 88_000);
  });

  it('follows only running jobs and forgets ended ones', () => {
    const tracker = new JobEtaTracker();
    tracker.update([runningModel('tunedModels/a', 5, 10, snapshots(5, 100)), runningModel('tunedModels/b', 0, 10)], START);
    assert.deepEqual(tracker.estimates(START).map((e) => e.name), ['tunedModels/a', 'tunedModels/b']);
    tracker.update([{ ...runningModel('tunedModels/a', 10, 10), state: 'active' }], START + 1000);
    assert.deepEqual(tracker.estimates(START + 1000), []);
    assert.equal(tracker.estimate('tunedModels/a', START + 1000), undefined);
  });
});

describe('ETA: in the tree item tooltip', () => {
  it('says the time left of a running job, and nothing of the kind once it has ended', () => {
    const model = runningModel('tunedModels/a', 10, 50, snapshots(10, 800));
    const tracker = new JobEtaTracker();
    tracker.update([model], START + 10 * 800);
    const estimate = tracker.estimate(model.name, START + 10 * 800);
    assert.match(modelTooltipMarkdown(model, START + 10 * 800, estimate), /Time left: about 32s left/);
    assert.doesNotMatch(modelTooltipMarkdown({ ...model, state: 'active' }, START, estimate), /Time left/);
  });
});
