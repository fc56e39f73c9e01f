import { parentName } from './names';
import type { TuningJobRecord } from './tuningJobStore';

/** The Vertex AI base models that can be tuned; every one stands for the local model. */
export const TUNABLE_BASE_MODELS: readonly string[] = ['gemini-3.5-flash', 'gemini-3.1-flash-lite', 'gemini-2.5-pro', 'gemini-2.5-flash-lite', 'gemini-2.5-flash'];

export const ADAPTER_SIZES: readonly string[] = [
  'ADAPTER_SIZE_ONE',
  'ADAPTER_SIZE_TWO',
  'ADAPTER_SIZE_FOUR',
  'ADAPTER_SIZE_EIGHT',
  'ADAPTER_SIZE_SIXTEEN',
  'ADAPTER_SIZE_THIRTY_TWO',
];

/** AdapterSize's proto numbers, which the JSON transcoder also accepts. */
export const ADAPTER_SIZE_BY_NUMBER: Readonly<Record<number, string>> = { 1: 'ADAPTER_SIZE_ONE', 6: 'ADAPTER_SIZE_TWO', 2: 'ADAPTER_SIZE_FOUR', 3: 'ADAPTER_SIZE_EIGHT', 4: 'ADAPTER_SIZE_SIXTEEN', 5: 'ADAPTER_SIZE_THIRTY_TWO' };

export function jobName(r: TuningJobRecord): string {
  return `${parentName(r.projectNumber, r.location)}/tuningJobs/${r.id}`;
}

export function endpointName(r: TuningJobRecord, endpointId = r.endpointId): string {
  return `${parentName(r.projectNumber, r.location)}/endpoints/${endpointId}`;
}

export function modelName(r: TuningJobRecord): string {
  return `${parentName(r.projectNumber, r.location)}/models/${r.modelId}@1`;
}

/**
 * One checkpoint per epoch, numbered by epoch, at the step that completed the epoch; the last is
 * the tuned model and shares its endpoint. With exportLastCheckpointOnly there are none. Jobs
 * planned before checkpoints had endpoints of their own list the last one only.
 */
export function checkpointsOf(r: TuningJobRecord): Record<string, string>[] {
  const plan = r.plan;
  if (!plan || r.spec.exportLastCheckpointOnly) return [];
  const earlier = r.checkpointEndpointIds ?? [];
  const first = earlier.length > 0 ? 1 : plan.epochCount;
  const checkpoints: Record<string, string>[] = [];
  for (let epoch = first; epoch <= plan.epochCount; epoch++) {
    const step = Math.min(plan.totalSteps, Math.ceil((epoch * plan.exampleCount) / plan.batchSize));
    const endpointId = epoch < plan.epochCount ? earlier[epoch - 1] : r.endpointId;
    checkpoints.push({ checkpointId: String(epoch), epoch: String(epoch), step: String(step), endpoint: endpointName(r, endpointId) });
  }
  return checkpoints;
}

export function experimentName(r: TuningJobRecord): string {
  return `${parentName(r.projectNumber, r.location)}/metadataStores/default/contexts/${r.experimentId}`;
}

/** The TuningJob resource (proto3 JSON: camelCase, int64 as strings, absent fields omitted). */
export function toTuningJob(r: TuningJobRecord): Record<string, unknown> {
  const spec = r.spec;
  const hyperParameters: Record<string, unknown> = {};
  if (spec.epochCount !== undefined) hyperParameters.epochCount = String(spec.epochCount);
  if (spec.learningRateMultiplier !== undefined) hyperParameters.learningRateMultiplier = spec.learningRateMultiplier;
  if (spec.adapterSize !== undefined) hyperParameters.adapterSize = spec.adapterSize;
  const job: Record<string, unknown> = {
    name: jobName(r),
    ...(r.tunedModelDisplayName !== undefined ? { tunedModelDisplayName: r.tunedModelDisplayName } : {}),
    ...(r.description !== undefined ? { description: r.description } : {}),
    baseModel: r.baseModel,
    supervisedTuningSpec: {
      trainingDatasetUri: spec.trainingDatasetUri,
      ...(spec.validationDatasetUri ? { validationDatasetUri: spec.validationDatasetUri } : {}),
      ...(Object.keys(hyperParameters).length > 0 ? { hyperParameters } : {}),
      ...(spec.exportLastCheckpointOnly ? { exportLastCheckpointOnly: true } : {}),
    },
    state: r.state,
    createTime: r.createTime,
    ...(r.startTime ? { startTime: r.startTime } : {}),
    ...(r.endTime ? { endTime: r.endTime } : {}),
    updateTime: r.updateTime,
    ...(r.error ? { error: r.error } : {}),
    ...(r.labels && Object.keys(r.labels).length > 0 ? { labels: r.labels } : {}),
  };
  if (r.state !== 'JOB_STATE_PENDING' && r.plan) job.experiment = experimentName(r);
  if (r.state === 'JOB_STATE_SUCCEEDED' && r.plan) {
    const checkpoints = checkpointsOf(r);
    job.tunedModel = {
      model: modelName(r),
      endpoint: endpointName(r),
      ...(checkpoints.length > 0 ? { checkpoints } : {}),
    };
  }
  if (r.dataStats) job.tuningDataStats = r.dataStats;
  return job;
}
