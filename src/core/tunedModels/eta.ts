/**
 * How long running tuning jobs still need, from the rate at which their steps complete. The rate
 * comes from the training snapshots' compute times when the backend reports them (one per step
 * on the Gemini API and the local server), else from the step counts seen at each poll.
 */
import { isInFlight, type TunedModelInfo } from '../tuning/model';

/**
 * How many completed steps the rate must be measured over before an estimate is given: the first
 * intervals of a job include warm-up and say little about the pace that follows.
 */
export const MIN_STEPS_FOR_ESTIMATE = 3;

/**
 * The smoothing's half-life, in steps: an interval this many steps old counts half as much as the
 * newest one, so the estimate follows a change of pace within a few dozen steps without jumping
 * with every noisy step.
 */
export const RATE_HALF_LIFE_STEPS = 20;

/**
 * Milliseconds per step, smoothed: a weighted mean of the intervals between successive samples,
 * each weighted by the steps it covers and halved every `halfLifeSteps` steps of age (an
 * exponential moving average, debiased so that the first, often slow, interval does not linger as
 * its starting value). Samples without a time are skipped; steps must ascend. Undefined until the
 * samples span `MIN_STEPS_FOR_ESTIMATE` steps.
 */
export function smoothedMsPerStep(
  steps: ArrayLike<number>,
  timesMs: ArrayLike<number | null>,
  halfLifeSteps = RATE_HALF_LIFE_STEPS,
): number | undefined {
  const keepPerStep = 0.5 ** (1 / halfLifeSteps);
  let previousStep: number | undefined;
  let previousTime: number | undefined;
  let stepsMeasured = 0;
  let weightedSum = 0;
  let totalWeight = 0;
  for (let i = 0; i < steps.length; i++) {
    const time = timesMs[i];
    if (time === null || time === undefined || !Number.isFinite(time)) continue;
    const step = steps[i];
    if (previousStep !== undefined && previousTime !== undefined && step > previousStep && time >= previousTime) {
      const span = step - previousStep;
      const perStep = (time - previousTime) / span;
      // Older intervals age by `span` steps; this one weighs as its `span` steps would have one by one.
      const aged = keepPerStep ** span;
      weightedSum = weightedSum * aged + (1 - aged) * perStep;
      totalWeight = totalWeight * aged + (1 - aged);
      stepsMeasured += span;
    }
    previousStep = step;
    previousTime = time;
  }
  if (stepsMeasured < MIN_STEPS_FOR_ESTIMATE || totalWeight <= 0) return undefined;
  // To the microsecond: a steady pace reads as itself, without the division's rounding noise.
  return Math.round((weightedSum / totalWeight) * 1000) / 1000;
}

/** Why a running job has no estimate yet. */
export type NoEstimateReason = 'waiting' | 'measuring' | 'noTotal';

export interface JobEstimate {
  readonly name: string;
  readonly label: string;
  readonly completedSteps: number;
  readonly totalSteps?: number;
  /** 0–100, whole percent, when the total is known. */
  readonly percent?: number;
  readonly msPerStep?: number;
  /** Time still needed from `nowMs`, never negative; undefined while there is no estimate. */
  readonly remainingMs?: number;
  readonly noEstimate?: NoEstimateReason;
}

/**
 * The estimate for a job that has completed `completedSteps` of `totalSteps`, the last of them at
 * `lastStepAtMs`: the remaining steps at the smoothed pace, less the time since that last step.
 */
export function estimateJob(
  job: { name: string; label: string; completedSteps: number; totalSteps?: number; msPerStep?: number; lastStepAtMs?: number },
  nowMs: number,
): JobEstimate {
  const { name, label, completedSteps, totalSteps, msPerStep, lastStepAtMs } = job;
  const percent = totalSteps ? Math.min(100, Math.floor((completedSteps / totalSteps) * 100)) : undefined;
  const base = { name, label, completedSteps, totalSteps, percent, msPerStep };
  if (!totalSteps) return { ...base, noEstimate: 'noTotal' };
  if (completedSteps === 0) return { ...base, noEstimate: 'waiting' };
  if (msPerStep === undefined) return { ...base, noEstimate: 'measuring' };
  const sinceLastStep = lastStepAtMs === undefined ? 0 : Math.max(0, nowMs - lastStepAtMs);
  const remainingMs = Math.max(0, (totalSteps - completedSteps) * msPerStep - sinceLastStep);
  return { ...base, remainingMs };
}

export interface JobsSummary {
  readonly running: number;
  /** Steps done out of steps planned, over the jobs whose total is known. */
  readonly percent?: number;
  /** Until the last job is done, when every running job has an estimate. */
  readonly remainingMs?: number;
  /** The latest of the estimates there are, while some jobs have none: a lower bound. */
  readonly atLeastMs?: number;
  /** Jobs without an estimate yet. */
  readonly estimating: number;
}

/**
 * All running jobs at once. The time is that of the job that finishes last: jobs that run side by
 * side overlap, and a job still waiting in a queue has no estimate, which makes the total a lower
 * bound until it starts.
 */
export function summarizeJobs(jobs: readonly JobEstimate[]): JobsSummary {
  let done = 0;
  let planned = 0;
  let latest: number | undefined;
  let estimating = 0;
  for (const job of jobs) {
    if (job.totalSteps) {
      done += Math.min(job.completedSteps, job.totalSteps);
      planned += job.totalSteps;
    }
    if (job.remainingMs === undefined) estimating++;
    else latest = Math.max(latest ?? 0, job.remainingMs);
  }
  const percent = planned > 0 ? Math.min(100, Math.floor((done / planned) * 100)) : undefined;
  if (estimating === 0) return { running: jobs.length, percent, remainingMs: latest, estimating };
  return { running: jobs.length, percent, atLeastMs: latest, estimating };
}

/** "45s", "3m 05s", "1h 02m": rounded up to the second, so that a job never looks done early. */
export function formatRemaining(ms: number): string {
  const totalSeconds = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** The status bar's words for the running jobs, e.g. "2 tuning jobs · 45% · ETA 3m 05s". */
export function describeJobs(summary: JobsSummary): string {
  const parts = [summary.running === 1 ? '1 tuning job' : `${summary.running} tuning jobs`];
  if (summary.percent !== undefined) parts.push(`${summary.percent}%`);
  if (summary.remainingMs !== undefined) parts.push(`ETA ${formatRemaining(summary.remainingMs)}`);
  else if (summary.atLeastMs !== undefined) parts.push(`ETA ≥ ${formatRemaining(summary.atLeastMs)}`);
  else parts.push('ETA estimating…');
  return parts.join(' · ');
}

/** What a job's estimate reads as, for tooltips and the chart header. */
export function describeEstimate(estimate: JobEstimate): string {
  if (estimate.remainingMs !== undefined) return estimate.remainingMs === 0 ? 'finishing' : `about ${formatRemaining(estimate.remainingMs)} left`;
  switch (estimate.noEstimate) {
    case 'waiting':
      return 'waiting for the first step';
    case 'noTotal':
      return 'unknown (the backend did not say how many steps the job has)';
    default:
      return `estimating (after ${MIN_STEPS_FOR_ESTIMATE} steps)`;
  }
}

function parseTime(text: string | undefined): number | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

interface PollSample {
  step: number;
  atMs: number;
}

/**
 * Follows the running jobs of a model list. A job's pace comes from its snapshots' compute times
 * when it has them; otherwise from the step counts seen at each `update`, timed by this clock.
 */
export class JobEtaTracker {
  private readonly polled = new Map<string, PollSample[]>();
  private running: readonly TunedModelInfo[] = [];

  /** Takes the models as listed at `nowMs`. */
  update(models: readonly TunedModelInfo[], nowMs: number): void {
    this.running = models.filter((m) => isInFlight(m.state));
    const live = new Set(this.running.map((m) => m.name));
    for (const name of this.polled.keys()) if (!live.has(name)) this.polled.delete(name);
    for (const model of this.running) {
      const completed = model.progress?.completedSteps;
      if (completed === undefined) continue;
      const samples = this.polled.get(model.name) ?? [];
      const last = samples[samples.length - 1];
      if (!last || completed > last.step) samples.push({ step: completed, atMs: nowMs });
      // Only the recent past matters to a smoothed rate.
      if (samples.length > 200) samples.splice(0, samples.length - 200);
      this.polled.set(model.name, samples);
    }
  }

  /** Every running job's estimate at `nowMs`, in list order. */
  estimates(nowMs: number): JobEstimate[] {
    return this.running.map((m) => this.estimateOf(m, nowMs));
  }

  estimate(name: string, nowMs: number): JobEstimate | undefined {
    const model = this.running.find((m) => m.name === name);
    return model ? this.estimateOf(model, nowMs) : undefined;
  }

  private estimateOf(model: TunedModelInfo, nowMs: number): JobEstimate {
    const label = model.displayName?.trim() || model.name;
    const timed = model.loss.filter((p) => parseTime(p.computeTime) !== null);
    const lastSnapshotStep = model.loss.length > 0 ? Math.max(...model.loss.map((p) => p.step)) : 0;
    const completedSteps = Math.max(model.progress?.completedSteps ?? 0, lastSnapshotStep);
    const totalSteps = model.progress?.totalSteps;
    let msPerStep: number | undefined;
    let lastStepAtMs: number | undefined;
    if (timed.length >= 2) {
      const sorted = [...timed].sort((a, b) => a.step - b.step);
      msPerStep = smoothedMsPerStep(
        sorted.map((p) => p.step),
        sorted.map((p) => parseTime(p.computeTime)),
      );
      // A server clock ahead of this one must not make the job look further along than it is.
      lastStepAtMs = Math.min(nowMs, parseTime(sorted[sorted.length - 1].computeTime) ?? nowMs);
    }
    if (msPerStep === undefined) {
      const samples = this.polled.get(model.name) ?? [];
      msPerStep = smoothedMsPerStep(
        samples.map((s) => s.step),
        samples.map((s) => s.atMs),
      );
      lastStepAtMs = samples.length > 0 ? samples[samples.length - 1].atMs : undefined;
    }
    return estimateJob({ name: model.name, label, completedSteps, totalSteps, msPerStep, lastStepAtMs }, nowMs);
  }
}
