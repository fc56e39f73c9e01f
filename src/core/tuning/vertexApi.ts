import type { DatasetDistribution, Int64, SupervisedTuningDataStats, TuningJob } from '../vertex/types';
import type { LossSeries, MetricPoint } from '../vertex/client';
import type {
  DatasetDistributionSummary,
  TunedCheckpoint,
  TunedModelInfo,
  TuningCapabilities,
  TuningDataStats,
  TuningLossPoint,
  TuningProgress,
  TuningState,
} from './model';

/**
 * Vertex AI tuning jobs can be cancelled and nothing else: a job has no delete (its model and
 * endpoint are deleted on their own), and a tuned model's name and sampling are not the job's.
 */
export const VERTEX_CAPABILITIES: TuningCapabilities = Object.freeze({
  rename: false,
  editDescription: false,
  editSampling: false,
  delete: false,
  share: false,
  transferOwnership: false,
  cancel: true,
});

const STATE_BY_JOB_STATE: Readonly<Record<string, { state: TuningState; detail?: string }>> = {
  JOB_STATE_QUEUED: { state: 'creating', detail: 'queued' },
  JOB_STATE_PENDING: { state: 'creating', detail: 'pending' },
  JOB_STATE_RUNNING: { state: 'creating', detail: 'running' },
  JOB_STATE_UPDATING: { state: 'creating', detail: 'updating' },
  JOB_STATE_PAUSED: { state: 'creating', detail: 'paused' },
  JOB_STATE_CANCELLING: { state: 'creating', detail: 'cancelling' },
  JOB_STATE_SUCCEEDED: { state: 'active' },
  JOB_STATE_PARTIALLY_SUCCEEDED: { state: 'active', detail: 'partially succeeded' },
  JOB_STATE_FAILED: { state: 'failed' },
  JOB_STATE_EXPIRED: { state: 'failed', detail: 'expired before it could run' },
  JOB_STATE_CANCELLED: { state: 'cancelled' },
};

const DETAIL_BY_TUNING_STATE: Readonly<Record<string, string>> = {
  TUNING_JOB_STATE_WAITING_FOR_QUOTA: 'waiting for quota',
  TUNING_JOB_STATE_PROCESSING_DATASET: 'processing dataset',
  TUNING_JOB_STATE_WAITING_FOR_CAPACITY: 'waiting for capacity',
  TUNING_JOB_STATE_TUNING: 'tuning',
  TUNING_JOB_STATE_POST_PROCESSING: 'post-processing',
};

/** JOB_STATE_* as the neutral state, with what the state alone does not say. */
export function fromVertexState(job: Pick<TuningJob, 'state' | 'tuningJobState'>): { state: TuningState; detail?: string } {
  const mapped = STATE_BY_JOB_STATE[job.state ?? ''] ?? { state: 'unspecified' as const };
  const detail = mapped.state === 'creating' ? (DETAIL_BY_TUNING_STATE[job.tuningJobState ?? ''] ?? mapped.detail) : mapped.detail;
  return detail === undefined ? { state: mapped.state } : { state: mapped.state, detail };
}

/**
 * A Vertex AI tuning job as the neutral model, with its loss curves when they were read. The
 * model to prompt is the tuned endpoint, present once the job SUCCEEDED.
 */
export function fromVertexTuningJob(job: TuningJob, loss?: LossSeries): TunedModelInfo {
  const { state, detail } = fromVertexState(job);
  const stats = job.tuningDataStats?.supervisedTuningDataStats;
  const hp = job.supervisedTuningSpec?.hyperParameters;
  const epochOf = epochsByStep(int(hp?.epochCount), int(stats?.tuningStepCount));
  const train = (loss?.train ?? []).map((p) => toLossPoint(p, epochOf));
  const evalLoss = (loss?.eval ?? []).map((p) => toLossPoint(p, epochOf));
  const dataStats = stats ? fromDataStats(stats) : undefined;
  const failure = job.error?.message ? job.error.message : undefined;
  const hyperparameters =
    hp && (hp.epochCount !== undefined || hp.learningRateMultiplier !== undefined || hp.adapterSize !== undefined)
      ? {
          epochCount: int(hp.epochCount),
          learningRateMultiplier: hp.learningRateMultiplier === undefined ? undefined : Number(hp.learningRateMultiplier),
          adapterSize: hp.adapterSize,
        }
      : undefined;
  return {
    name: job.name ?? '',
    backend: 'vertex',
    displayName: job.tunedModelDisplayName || undefined,
    description: job.description || undefined,
    baseModel: job.baseModel,
    state,
    stateDetail: state === 'failed' ? (failure ?? detail) : state === 'cancelled' ? undefined : detail,
    createTime: job.createTime,
    updateTime: job.updateTime,
    startTime: job.startTime,
    endTime: job.endTime,
    progress: vertexProgress(job, stats, train),
    hyperparameters,
    exampleCount: dataStats?.exampleCount,
    dataStats,
    loss: train,
    evalLoss: evalLoss.length > 0 ? evalLoss : undefined,
    sampling: {},
    generationModel: state === 'active' ? job.tunedModel?.endpoint || undefined : undefined,
    checkpoints: state === 'active' ? checkpointsOf(job) : undefined,
    capabilities: VERTEX_CAPABILITIES,
    raw: job,
  };
}

/**
 * Steps done out of the job's step count: from the job's own metadata when it reports it, else
 * from the last loss point. Only while the job runs; an ended job has no progress to show.
 */
export function vertexProgress(job: TuningJob, stats: SupervisedTuningDataStats | undefined, train: readonly TuningLossPoint[]): TuningProgress | undefined {
  if (fromVertexState(job).state !== 'creating') return undefined;
  const totalSteps = int(stats?.tuningStepCount);
  const completedSteps = int(job.tuningJobMetadata?.completedStepCount) ?? (train.length > 0 ? train[train.length - 1].step : undefined);
  if (completedSteps === undefined && totalSteps === undefined) return undefined;
  const percent = totalSteps ? Math.max(0, Math.min(100, Math.floor(((completedSteps ?? 0) / totalSteps) * 100))) : undefined;
  return { completedSteps, totalSteps, percent };
}

/** The checkpoints a SUCCEEDED job deployed, each with its endpoint, in step order; undefined when it kept none. */
export function checkpointsOf(job: Pick<TuningJob, 'tunedModel'>): TunedCheckpoint[] | undefined {
  const checkpoints: TunedCheckpoint[] = [];
  for (const c of job.tunedModel?.checkpoints ?? []) {
    if (!c.checkpointId || !c.endpoint) continue;
    checkpoints.push({ id: c.checkpointId, epoch: int(c.epoch), step: int(c.step), generationModel: c.endpoint });
  }
  checkpoints.sort((a, b) => (a.step ?? a.epoch ?? 0) - (b.step ?? b.epoch ?? 0));
  return checkpoints.length > 0 ? checkpoints : undefined;
}

export function fromDataStats(stats: SupervisedTuningDataStats): TuningDataStats {
  return {
    exampleCount: int(stats.tuningDatasetExampleCount),
    billableTokenCount: int(stats.totalBillableTokenCount),
    characterCount: int(stats.totalTuningCharacterCount),
    stepCount: int(stats.tuningStepCount),
    truncatedExampleCount: int(stats.totalTruncatedExampleCount),
    truncatedExampleIndices: stats.truncatedExampleIndices?.map((i) => Number(i)).filter(Number.isFinite),
    droppedExampleReasons: stats.droppedExampleReasons?.length ? [...stats.droppedExampleReasons] : undefined,
    inputTokens: distribution(stats.userInputTokenDistribution),
    outputTokens: distribution(stats.userOutputTokenDistribution),
    messagesPerExample: distribution(stats.userMessagePerExampleDistribution),
  };
}

function distribution(d: DatasetDistribution | undefined): DatasetDistributionSummary | undefined {
  if (!d) return undefined;
  return { sum: int(d.sum), min: d.min, max: d.max, mean: d.mean, median: d.median, p5: d.p5, p95: d.p95 };
}

/**
 * The epochs completed at a step, as the Gemini API counts them, for a job whose epoch and step
 * counts are known: Vertex AI's loss series carry steps only. Undefined while none is complete.
 */
function epochsByStep(epochCount: number | undefined, totalSteps: number | undefined): (step: number) => number | undefined {
  if (!epochCount || !totalSteps) return () => undefined;
  return (step) => {
    const epochs = Math.min(epochCount, Math.floor((step * epochCount) / totalSteps));
    return epochs > 0 ? epochs : undefined;
  };
}

function toLossPoint(p: MetricPoint, epochOf: (step: number) => number | undefined): TuningLossPoint {
  const epoch = epochOf(p.step);
  return { step: p.step, ...(epoch !== undefined ? { epoch } : {}), loss: p.value, computeTime: p.wallTime };
}

function int(value: Int64 | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
