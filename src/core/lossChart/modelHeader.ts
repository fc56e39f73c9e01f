/** What the chart's header knows about a model: a summary of its backend-neutral model. */
import { totalSteps } from '../api/tuningDefaults';
import { firstValue, lastValue } from './columns';
import { stateLabel, type TunedModelInfo } from '../tuning/model';
import { parseTimestamp } from './snapshots';

export type ModelState = 'STATE_UNSPECIFIED' | 'CREATING' | 'ACTIVE' | 'FAILED' | 'CANCELLED';

export const MODEL_STATES: readonly ModelState[] = ['STATE_UNSPECIFIED', 'CREATING', 'ACTIVE', 'FAILED', 'CANCELLED'];

export interface ModelHeader {
  name: string;
  displayName: string;
  description?: string;
  state: ModelState;
  baseModel?: string;
  epochCount?: number;
  batchSize?: number;
  learningRate?: number;
  learningRateMultiplier?: number;
  /** the backend's planned total, from the create operation */
  totalSteps?: number;
  completedSteps?: number;
  /** how many training examples the job was given, when the model says so */
  exampleCount?: number;
  startTime?: string;
  completeTime?: string;
  /** why a FAILED or CANCELLED model ended */
  errorMessage?: string;
}

function knownState(state: string | undefined): ModelState {
  return MODEL_STATES.find((s) => s === state) ?? 'STATE_UNSPECIFIED';
}

function positiveInt(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) && n > 0 ? Math.round(n) : undefined;
}

export function summarizeModel(model: TunedModelInfo): ModelHeader {
  const name = model.name;
  const hp = model.hyperparameters ?? {};
  return {
    name,
    displayName: model.displayName?.trim() || name.replace(/^tunedModels\//, ''),
    description: model.description || undefined,
    state: knownState(stateLabel(model.state)),
    baseModel: model.baseModel ?? model.sourceModel,
    epochCount: hp.epochCount,
    batchSize: hp.batchSize,
    learningRate: hp.learningRate,
    learningRateMultiplier: hp.learningRateMultiplier,
    totalSteps: positiveInt(model.progress?.totalSteps),
    completedSteps: positiveInt(model.progress?.completedSteps),
    exampleCount: positiveInt(model.exampleCount),
    startTime: model.startTime,
    completeTime: model.endTime,
    errorMessage: model.state === 'failed' || model.state === 'cancelled' ? model.stateDetail || undefined : undefined,
  };
}

export type EmptyReason = 'waiting' | 'failed' | 'noSnapshots';

/** Why a model has nothing to draw, or undefined when it has points. */
export function emptyReason(header: ModelHeader, pointCount: number): EmptyReason | undefined {
  if (header.state === 'FAILED') return pointCount === 0 ? 'failed' : undefined;
  if (pointCount > 0) return undefined;
  return header.state === 'CREATING' ? 'waiting' : 'noSnapshots';
}

/** Wall time of the run: start to completion, or start to `nowMs` while it is running. */
export function elapsedMs(header: ModelHeader, computeTimesMs: ArrayLike<number | null>, nowMs: number): number | undefined {
  const start = parseTimestamp(header.startTime) ?? firstValue(computeTimesMs);
  if (start === null) return undefined;
  let end = parseTimestamp(header.completeTime);
  if (end === null) end = header.state === 'CREATING' ? nowMs : lastValue(computeTimesMs);
  return end === null || end < start ? undefined : end - start;
}

/** Where a model's total step count comes from. */
export type StepTotalSource = 'operation' | 'hyperparameters' | 'snapshots' | 'firstEpoch';

export interface StepTotal {
  total: number;
  source: StepTotalSource;
}

/**
 * The planned number of steps, best source first: the backend's own plan (the create
 * operation's `totalSteps`); the hyperparameters with the example count, computed the way both
 * backends plan a job (`totalSteps` in tuningDefaults); for a finished run, its last step; for a
 * running one whose first epoch is complete, that epoch's steps times the epoch count.
 */
export function plannedTotalSteps(header: ModelHeader, steps: ArrayLike<number>, epochs: ArrayLike<number>): StepTotal | undefined {
  if (header.totalSteps !== undefined) return { total: header.totalSteps, source: 'operation' };
  const { exampleCount, epochCount, batchSize } = header;
  if (exampleCount !== undefined && epochCount !== undefined && epochCount > 0 && batchSize !== undefined && batchSize > 0) {
    return { total: totalSteps(exampleCount, epochCount, batchSize), source: 'hyperparameters' };
  }
  const n = steps.length;
  if (n === 0) return undefined;
  if (header.state === 'ACTIVE') return { total: steps[n - 1], source: 'snapshots' };
  if (header.state === 'CREATING' && epochCount !== undefined && epochCount > 0) {
    // Snapshots count completed epochs, so the first one with a count says how many steps that many epochs took.
    for (let i = 0; i < n; i++) {
      if (epochs[i] > 0) return { total: Math.round((steps[i] * epochCount) / epochs[i]), source: 'firstEpoch' };
    }
  }
  return undefined;
}
