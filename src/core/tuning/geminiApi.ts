import type { CreateTunedModelMetadata, Operation, State, TunedModel, TuningSnapshot } from '../api/types';
import type { TunedModelInfo, TuningCapabilities, TuningLossPoint, TuningProgress, TuningState } from './model';

/** The Gemini API lets the owner change, share, hand over, delete and cancel everything. */
export const GEMINI_CAPABILITIES: TuningCapabilities = Object.freeze({
  rename: true,
  editDescription: true,
  editSampling: true,
  delete: true,
  share: true,
  transferOwnership: true,
  cancel: true,
});

/** A snapshot as the wire may carry it: ProtoJSON omits zeros and writes NaN and Infinity as strings. */
type WireSnapshot = { [K in keyof TuningSnapshot]?: TuningSnapshot[K] | string | null };

export function fromGeminiState(state: State | undefined): TuningState {
  switch (state) {
    case 'CREATING':
      return 'creating';
    case 'ACTIVE':
      return 'active';
    case 'FAILED':
      return 'failed';
    default:
      return 'unspecified';
  }
}

/**
 * A Gemini API tuned model, with the latest create operation of its job when there is one: the
 * operation adds the progress, the snapshots recorded so far, and the reason of a failure.
 */
export function fromGeminiTunedModel(model: TunedModel, operation?: Operation): TunedModelInfo {
  const name = model.name ?? operation?.metadata?.tunedModel ?? '';
  const task = model.tuningTask;
  const state = fromGeminiState(model.state);
  const hp = task?.hyperparameters;
  const examples = task?.trainingData?.examples?.examples?.length;
  const fromModel = task?.snapshots ?? [];
  const fromOperation = operation?.metadata?.snapshots ?? [];
  return {
    name,
    backend: 'gemini',
    displayName: model.displayName,
    description: model.description,
    baseModel: model.baseModel ?? model.tunedModelSource?.baseModel,
    sourceModel: model.tunedModelSource?.tunedModel,
    state,
    stateDetail: operation?.done ? operation.error?.message || undefined : undefined,
    createTime: model.createTime,
    updateTime: model.updateTime,
    startTime: task?.startTime,
    endTime: task?.completeTime,
    progress: geminiProgress(operation?.metadata),
    hyperparameters: hp && {
      epochCount: hp.epochCount,
      batchSize: hp.batchSize,
      learningRate: hp.learningRate,
      learningRateMultiplier: hp.learningRateMultiplier,
    },
    exampleCount: examples ? examples : undefined,
    loss: geminiLossPoints(fromOperation.length > fromModel.length ? fromOperation : fromModel),
    sampling: { temperature: model.temperature, topP: model.topP, topK: model.topK },
    generationModel: name || undefined,
    capabilities: GEMINI_CAPABILITIES,
    raw: model,
  };
}

/**
 * What a create operation says about its model: the finished model when the operation carries
 * it, otherwise the job as the metadata describes it. A finished operation without an error and
 * without a state counts as an active model.
 */
export function fromGeminiOperation(operation: Operation): TunedModelInfo {
  const response = operation.response ? stripType(operation.response) : undefined;
  const name = operation.metadata?.tunedModel ?? response?.name ?? operation.name?.split('/operations/')[0] ?? '';
  const model = fromGeminiTunedModel({ ...response, name }, operation);
  if (model.state !== 'unspecified') return model;
  const state: TuningState = !operation.done ? 'creating' : operation.error ? 'failed' : 'active';
  return { ...model, state, raw: response ?? operation };
}

function stripType<T extends object>(value: T & { '@type'?: string }): T {
  const { '@type': _type, ...rest } = value;
  return rest as T;
}

/** Progress from the create operation's metadata; undefined when it reports none. */
export function geminiProgress(metadata: CreateTunedModelMetadata | undefined): TuningProgress | undefined {
  if (!metadata) return undefined;
  const completedSteps = wholeNumber(metadata.completedSteps);
  const totalSteps = wholeNumber(metadata.totalSteps);
  let percent: number | undefined;
  const reported = metadata.completedPercent === undefined ? undefined : Number(metadata.completedPercent);
  if (reported !== undefined && Number.isFinite(reported)) percent = clampPercent(reported);
  else if (totalSteps) percent = clampPercent(((completedSteps ?? 0) / totalSteps) * 100);
  if (completedSteps === undefined && totalSteps === undefined && percent === undefined) return undefined;
  return { completedSteps, totalSteps, percent };
}

/** Snapshots in the order reported. One whose step cannot be read is dropped: it has no place on a curve. */
export function geminiLossPoints(snapshots: readonly WireSnapshot[]): TuningLossPoint[] {
  const points: TuningLossPoint[] = [];
  for (const snapshot of snapshots) {
    if (!snapshot || typeof snapshot !== 'object') continue;
    const step = protoNumber(snapshot.step);
    if (!Number.isFinite(step)) continue;
    const epoch = protoNumber(snapshot.epoch);
    points.push({
      step,
      epoch: Number.isFinite(epoch) ? epoch : 0,
      loss: protoNumber(snapshot.meanLoss),
      computeTime: typeof snapshot.computeTime === 'string' && snapshot.computeTime ? snapshot.computeTime : undefined,
    });
  }
  return points;
}

function protoNumber(value: number | string | null | undefined): number {
  if (value === undefined || value === null) return 0; // proto3 omits zero values
  if (typeof value === 'number') return value;
  const trimmed = value.trim();
  return trimmed === '' ? Number.NaN : Number(trimmed);
}

function wholeNumber(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function clampPercent(value: number): number {
  return Math.max(0, Math.min(100, Math.floor(value)));
}
