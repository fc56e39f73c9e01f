/**
 * Vertex AI wire types (proto3 JSON, camelCase; int64 fields arrive as strings and are sent as
 * numbers or strings). Only what this extension reads or sends; see
 * `google/cloud/aiplatform/v1/tuning_job.proto` for the rest.
 */

export type JobState =
  | 'JOB_STATE_UNSPECIFIED'
  | 'JOB_STATE_QUEUED'
  | 'JOB_STATE_PENDING'
  | 'JOB_STATE_RUNNING'
  | 'JOB_STATE_SUCCEEDED'
  | 'JOB_STATE_FAILED'
  | 'JOB_STATE_CANCELLING'
  | 'JOB_STATE_CANCELLED'
  | 'JOB_STATE_PAUSED'
  | 'JOB_STATE_EXPIRED'
  | 'JOB_STATE_UPDATING'
  | 'JOB_STATE_PARTIALLY_SUCCEEDED';

/** What a RUNNING job is doing, where the service reports it. */
export type TuningJobDetailState =
  | 'TUNING_JOB_STATE_UNSPECIFIED'
  | 'TUNING_JOB_STATE_WAITING_FOR_QUOTA'
  | 'TUNING_JOB_STATE_PROCESSING_DATASET'
  | 'TUNING_JOB_STATE_WAITING_FOR_CAPACITY'
  | 'TUNING_JOB_STATE_TUNING'
  | 'TUNING_JOB_STATE_POST_PROCESSING';

export type AdapterSize =
  | 'ADAPTER_SIZE_ONE'
  | 'ADAPTER_SIZE_TWO'
  | 'ADAPTER_SIZE_FOUR'
  | 'ADAPTER_SIZE_EIGHT'
  | 'ADAPTER_SIZE_SIXTEEN'
  | 'ADAPTER_SIZE_THIRTY_TWO';

export type Int64 = string | number;

export interface SupervisedHyperParameters {
  epochCount?: Int64;
  learningRateMultiplier?: number;
  adapterSize?: AdapterSize | string;
}

export interface SupervisedTuningSpec {
  trainingDatasetUri: string;
  validationDatasetUri?: string;
  hyperParameters?: SupervisedHyperParameters;
  exportLastCheckpointOnly?: boolean;
}

export interface RpcStatus {
  /** A gRPC code (1 CANCELLED, 3 INVALID_ARGUMENT...), not an HTTP status. */
  code?: number;
  message?: string;
  details?: unknown[];
}

export interface TunedModelCheckpoint {
  checkpointId?: string;
  epoch?: Int64;
  step?: Int64;
  endpoint?: string;
}

export interface VertexTunedModel {
  /** `projects/{p}/locations/{l}/models/{id}@{version}` */
  model?: string;
  /** `projects/{p}/locations/{l}/endpoints/{id}`: where generateContent goes. */
  endpoint?: string;
  checkpoints?: TunedModelCheckpoint[];
}

export interface DatasetBucket {
  count?: number;
  left?: number;
  right?: number;
}

export interface DatasetDistribution {
  sum?: Int64;
  billableSum?: Int64;
  min?: number;
  max?: number;
  mean?: number;
  median?: number;
  p5?: number;
  p95?: number;
  buckets?: DatasetBucket[];
}

export interface SupervisedTuningDataStats {
  tuningDatasetExampleCount?: Int64;
  totalTuningCharacterCount?: Int64;
  totalBillableCharacterCount?: Int64;
  totalBillableTokenCount?: Int64;
  tuningStepCount?: Int64;
  userInputTokenDistribution?: DatasetDistribution;
  userOutputTokenDistribution?: DatasetDistribution;
  userMessagePerExampleDistribution?: DatasetDistribution;
  userDatasetExamples?: unknown[];
  totalTruncatedExampleCount?: Int64;
  truncatedExampleIndices?: Int64[];
  droppedExampleReasons?: string[];
}

export interface TuningJob {
  /** `projects/{number}/locations/{l}/tuningJobs/{id}`; the server writes the project number. */
  name?: string;
  baseModel?: string;
  supervisedTuningSpec?: SupervisedTuningSpec;
  tunedModelDisplayName?: string;
  description?: string;
  labels?: Record<string, string>;
  state?: JobState | string;
  /** Reported by some versions of the service while RUNNING. */
  tuningJobState?: TuningJobDetailState | string;
  tuningJobMetadata?: { completedEpochCount?: Int64; completedStepCount?: Int64 };
  createTime?: string;
  startTime?: string;
  endTime?: string;
  updateTime?: string;
  error?: RpcStatus;
  /** A metadata Context: `projects/{p}/locations/{l}/metadataStores/default/contexts/{id}`. */
  experiment?: string;
  tunedModel?: VertexTunedModel;
  tuningDataStats?: { supervisedTuningDataStats?: SupervisedTuningDataStats };
}

/** The body of tuningJobs.create. */
export interface CreateTuningJobRequest {
  baseModel: string;
  supervisedTuningSpec: SupervisedTuningSpec;
  tunedModelDisplayName?: string;
  description?: string;
  labels?: Record<string, string>;
}

export interface ListTuningJobsResponse {
  tuningJobs?: TuningJob[];
  nextPageToken?: string;
}

export interface MetadataContext {
  name?: string;
  displayName?: string;
  schemaTitle?: string;
  parentContexts?: string[];
  metadata?: Record<string, unknown>;
}

export interface ListContextsResponse {
  contexts?: MetadataContext[];
  nextPageToken?: string;
}

export interface TensorboardTimeSeries {
  name?: string;
  /** The metric tag, e.g. `/train_total_loss`. */
  displayName?: string;
  valueType?: string;
}

export interface ListTimeSeriesResponse {
  tensorboardTimeSeries?: TensorboardTimeSeries[];
  nextPageToken?: string;
}

export interface TimeSeriesDataPoint {
  wallTime?: string;
  step?: Int64;
  scalar?: { value?: number | string };
}

export interface ReadTimeSeriesResponse {
  timeSeriesData?: { tensorboardTimeSeriesId?: string; valueType?: string; values?: TimeSeriesDataPoint[] };
}

/** The Cloud Storage object resource, as far as an upload checks it. */
export interface StorageObject {
  bucket?: string;
  name?: string;
  /** int64 as a string. */
  size?: string;
  md5Hash?: string;
  generation?: string;
  contentType?: string;
}
