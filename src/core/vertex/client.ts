import { streamGenerateContentCall, streamGeneration } from '../api/generationStream';
import { encodeName, Transport, type TransportOptions } from '../api/transport';
import type { GenerateContentRequest, GenerateContentResponse } from '../api/types';
import type {
  CreateTuningJobRequest,
  ListContextsResponse,
  ListTimeSeriesResponse,
  ListTuningJobsResponse,
  ReadTimeSeriesResponse,
  TimeSeriesDataPoint,
  TuningJob,
} from './types';

export const VERTEX_API_VERSION = 'v1';

export interface VertexClientOptions extends Omit<TransportOptions, 'apiKey' | 'accessToken' | 'baseUrl'> {
  project: string;
  /** A region that serves tuning, e.g. `us-central1`. */
  location: string;
  /** Asked before every request; the token goes only into the Authorization header. */
  accessToken: () => Promise<string>;
  /** Default: the regional host, `https://{location}-aiplatform.googleapis.com`. */
  baseUrl?: string;
  /** A stream that sends no bytes for this long is stopped. Default 60 s. */
  streamIdleTimeoutMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ListTuningJobsOptions extends CallOptions {
  pageSize?: number;
  pageToken?: string;
  /** AIP-160, e.g. `state="JOB_STATE_RUNNING"`; passed unchanged. */
  filter?: string;
}

/** Metric tags the tuning service writes into the job's TensorBoard run. */
export const TRAIN_LOSS_TAG = '/train_total_loss';
export const EVAL_LOSS_TAG = '/eval_total_loss';

/** A loss curve as read from the job's experiment: points in step order. */
export interface LossSeries {
  readonly train: readonly MetricPoint[];
  readonly eval: readonly MetricPoint[];
}

export interface MetricPoint {
  readonly step: number;
  readonly value: number;
  readonly wallTime?: string;
}

const LIST_PAGE_SIZE = 100;
const DEFAULT_STREAM_IDLE_MS = 60_000;
const NAME_SEGMENT = '[A-Za-z0-9][A-Za-z0-9._~-]*';
const TUNING_JOB_NAME = new RegExp(`^projects/${NAME_SEGMENT}/locations/${NAME_SEGMENT}/tuningJobs/${NAME_SEGMENT}$`);
const ENDPOINT_NAME = new RegExp(`^projects/${NAME_SEGMENT}/locations/${NAME_SEGMENT}/(endpoints/${NAME_SEGMENT}|publishers/${NAME_SEGMENT}/models/${NAME_SEGMENT})$`);
const CONTEXT_NAME = new RegExp(`^projects/${NAME_SEGMENT}/locations/${NAME_SEGMENT}/metadataStores/${NAME_SEGMENT}/contexts/${NAME_SEGMENT}$`);

/**
 * Vertex AI's tuning surface: tuningJobs, the tuned endpoints' generateContent, and the read side
 * of a job's metrics. Speaks the documented JSON API over the same transport as the Gemini client
 * (undici, retries of safe calls, redaction, errors that name the call).
 */
export class VertexClient {
  readonly #transport: Transport;
  readonly #project: string;
  readonly #location: string;
  readonly #streamIdleTimeoutMs: number;
  /** Series names per experiment, found once: the chain to them does not change while a job runs. */
  readonly #seriesByExperiment = new Map<string, Map<string, string>>();

  constructor(options: VertexClientOptions) {
    const { project, location, baseUrl, streamIdleTimeoutMs, ...transport } = options;
    if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^\d{1,20}$/.test(project)) {
      throw new TypeError(`the Vertex AI project ${JSON.stringify(project)} is not a project ID (6–30 lowercase letters, digits, hyphens) or number; set geminiTuning.vertex.project`);
    }
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(location)) {
      throw new TypeError(`the Vertex AI location ${JSON.stringify(location)} is not a region such as us-central1; set geminiTuning.vertex.location`);
    }
    this.#project = project;
    this.#location = location;
    this.#streamIdleTimeoutMs = streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_MS;
    this.#transport = new Transport({ ...transport, baseUrl: baseUrl ?? vertexBaseUrl(location) });
  }

  get baseUrl(): string {
    return this.#transport.baseUrl;
  }

  /** `projects/{project}/locations/{location}`, the parent of this client's jobs. */
  get parent(): string {
    return `projects/${this.#project}/locations/${this.#location}`;
  }

  readonly tuningJobs = {
    create: (job: CreateTuningJobRequest, opts: CallOptions = {}): Promise<TuningJob> =>
      this.#transport.json<TuningJob>({
        method: 'tuningJobs.create',
        httpMethod: 'POST',
        apiVersion: VERTEX_API_VERSION,
        path: `${encodeName(this.parent)}/tuningJobs`,
        body: job,
        resource: this.parent,
        idempotent: false,
        signal: opts.signal,
      }),

    get: (name: string, opts: CallOptions = {}): Promise<TuningJob> => {
      const resource = checkName(name, TUNING_JOB_NAME, 'projects/{project}/locations/{location}/tuningJobs/{id}');
      return this.#get<TuningJob>('tuningJobs.get', resource, opts);
    },

    list: (opts: ListTuningJobsOptions = {}): Promise<ListTuningJobsResponse> =>
      this.#transport.json<ListTuningJobsResponse>({
        method: 'tuningJobs.list',
        httpMethod: 'GET',
        apiVersion: VERTEX_API_VERSION,
        path: `${encodeName(this.parent)}/tuningJobs`,
        query: { pageSize: opts.pageSize, pageToken: opts.pageToken, filter: opts.filter },
        resource: this.parent,
        idempotent: true,
        signal: opts.signal,
      }),

    /** Every job of the project and location, following nextPageToken to the last page. */
    listAll: (opts: Omit<ListTuningJobsOptions, 'pageToken'> = {}): AsyncIterable<TuningJob> =>
      pages((pageToken) => this.tuningJobs.list({ ...opts, pageSize: opts.pageSize ?? LIST_PAGE_SIZE, pageToken }), (r) => r.tuningJobs),

    /** Asks the service to stop the job; it answers at once, and the job ends CANCELLED later. */
    cancel: async (name: string, opts: CallOptions = {}): Promise<void> => {
      const resource = checkName(name, TUNING_JOB_NAME, 'projects/{project}/locations/{location}/tuningJobs/{id}');
      await this.#transport.json({
        method: 'tuningJobs.cancel',
        httpMethod: 'POST',
        apiVersion: VERTEX_API_VERSION,
        path: `${encodeName(resource)}:cancel`,
        body: {},
        resource,
        idempotent: false,
        signal: opts.signal,
      });
    },
  };

  /** One answer from a tuned endpoint (`tunedModel.endpoint` or a checkpoint's) or a publisher model. */
  generateContent(endpoint: string, request: GenerateContentRequest, opts: CallOptions = {}): Promise<GenerateContentResponse> {
    const resource = checkName(endpoint, ENDPOINT_NAME, 'projects/{project}/locations/{location}/endpoints/{id}');
    return this.#transport.json<GenerateContentResponse>({
      method: 'endpoints.generateContent',
      httpMethod: 'POST',
      apiVersion: VERTEX_API_VERSION,
      path: `${encodeName(resource)}:generateContent`,
      body: request,
      resource,
      idempotent: false,
      signal: opts.signal,
    });
  }

  /** Streams an answer as server-sent events; errors as `GeminiClient.streamGenerateContent`. */
  streamGenerateContent(endpoint: string, request: GenerateContentRequest, opts: CallOptions & { idleTimeoutMs?: number } = {}): AsyncIterable<GenerateContentResponse> {
    const resource = checkName(endpoint, ENDPOINT_NAME, 'projects/{project}/locations/{location}/endpoints/{id}');
    const call = streamGenerateContentCall('endpoints.streamGenerateContent', resource, request, opts.signal, VERTEX_API_VERSION);
    const idleMs = opts.idleTimeoutMs ?? this.#streamIdleTimeoutMs;
    return { [Symbol.asyncIterator]: () => streamGeneration(this.#transport, call, idleMs) };
  }

  /**
   * The train and eval loss of a job, from its experiment: the experiment Context names its
   * TensorBoard, the ExperimentRun context under it names the run, the run lists its time series
   * by tag, and each series is read whole. Names are never guessed. Empty until the job has
   * an experiment and its first step.
   */
  async readLoss(experiment: string, opts: CallOptions = {}): Promise<LossSeries> {
    const series = await this.#lossSeries(experiment, opts);
    const read = async (tag: string): Promise<MetricPoint[]> => {
      const name = series.get(tag);
      return name === undefined ? [] : toMetricPoints((await this.#readSeries(name, opts)).timeSeriesData?.values ?? []);
    };
    const [train, evalLoss] = await Promise.all([read(TRAIN_LOSS_TAG), read(EVAL_LOSS_TAG)]);
    return { train, eval: evalLoss };
  }

  close(): Promise<void> {
    return this.#transport.close();
  }

  destroy(): Promise<void> {
    return this.#transport.destroy();
  }

  toString(): string {
    return `VertexClient(${this.baseUrl}, ${this.parent})`;
  }

  toJSON(): { baseUrl: string; parent: string } {
    return { baseUrl: this.baseUrl, parent: this.parent };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `VertexClient { baseUrl: ${JSON.stringify(this.baseUrl)}, parent: ${JSON.stringify(this.parent)} }`;
  }

  async #lossSeries(experiment: string, opts: CallOptions): Promise<Map<string, string>> {
    const known = this.#seriesByExperiment.get(experiment);
    if (known) return known;
    const contextName = checkName(experiment, CONTEXT_NAME, 'projects/{project}/locations/{location}/metadataStores/default/contexts/{id}');
    const context = await this.#get<{ metadata?: Record<string, unknown> }>('metadataStores.contexts.get', contextName, opts);
    const tensorboard = context.metadata?.backing_tensorboard_resource;
    if (typeof tensorboard !== 'string' || tensorboard === '') return new Map();
    const experimentId = lastSegment(contextName);
    const store = contextName.slice(0, contextName.lastIndexOf('/contexts/'));
    const runs: string[] = [];
    for await (const run of pages(
      (pageToken) =>
        this.#transport.json<ListContextsResponse>({
          method: 'metadataStores.contexts.list',
          httpMethod: 'GET',
          apiVersion: VERTEX_API_VERSION,
          path: `${encodeName(store)}/contexts`,
          query: { filter: `schema_title="system.ExperimentRun" AND parent_contexts:"${contextName}"`, pageToken },
          resource: store,
          idempotent: true,
          signal: opts.signal,
        }),
      (r) => r.contexts,
    )) {
      if (run.name) runs.push(lastSegment(run.name));
    }
    const found = new Map<string, string>();
    for (const runContextId of runs) {
      const runId = runContextId.startsWith(`${experimentId}-`) ? runContextId.slice(experimentId.length + 1) : runContextId;
      const runName = `${tensorboard}/experiments/${experimentId}/runs/${runId}`;
      for await (const series of pages(
        (pageToken) =>
          this.#transport.json<ListTimeSeriesResponse>({
            method: 'tensorboards.experiments.runs.timeSeries.list',
            httpMethod: 'GET',
            apiVersion: VERTEX_API_VERSION,
            path: `${encodeName(runName)}/timeSeries`,
            query: { pageToken },
            resource: runName,
            idempotent: true,
            signal: opts.signal,
          }),
        (r) => r.tensorboardTimeSeries,
      )) {
        if (series.displayName && series.name && !found.has(series.displayName)) found.set(series.displayName, series.name);
      }
    }
    if (found.has(TRAIN_LOSS_TAG)) this.#seriesByExperiment.set(experiment, found);
    return found;
  }

  #readSeries(name: string, opts: CallOptions): Promise<ReadTimeSeriesResponse> {
    return this.#transport.json<ReadTimeSeriesResponse>({
      method: 'tensorboards.experiments.runs.timeSeries.read',
      httpMethod: 'GET',
      apiVersion: VERTEX_API_VERSION,
      path: `${encodeName(name)}:read`,
      query: { maxDataPoints: -1 },
      resource: name,
      idempotent: true,
      signal: opts.signal,
    });
  }

  #get<T>(method: string, resource: string, opts: CallOptions): Promise<T> {
    return this.#transport.json<T>({
      method,
      httpMethod: 'GET',
      apiVersion: VERTEX_API_VERSION,
      path: encodeName(resource),
      resource,
      idempotent: true,
      signal: opts.signal,
    });
  }
}

/** The regional host of a location; `global` and the multi-regions have hosts of their own. */
export function vertexBaseUrl(location: string): string {
  if (location === 'global') return 'https://aiplatform.googleapis.com';
  if (location === 'us' || location === 'eu') return `https://aiplatform.${location}.rep.googleapis.com`;
  return `https://${location}-aiplatform.googleapis.com`;
}

async function* pages<R extends { nextPageToken?: string }, T>(
  fetchPage: (pageToken: string | undefined) => Promise<R>,
  items: (response: R) => T[] | undefined,
): AsyncGenerator<T, void, undefined> {
  const seen = new Set<string>();
  let pageToken: string | undefined;
  do {
    const response = await fetchPage(pageToken);
    yield* items(response) ?? [];
    pageToken = response.nextPageToken || undefined;
    if (pageToken !== undefined) {
      if (seen.has(pageToken)) throw new Error(`the Vertex AI service returned the page token ${JSON.stringify(pageToken)} twice; the list was stopped to avoid a loop`);
      seen.add(pageToken);
    }
  } while (pageToken !== undefined);
}

function toMetricPoints(values: readonly TimeSeriesDataPoint[]): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const v of values) {
    const step = Number(v.step ?? 0);
    if (!Number.isFinite(step)) continue;
    const raw = v.scalar?.value;
    points.push({ step, value: raw === undefined ? 0 : Number(raw), wallTime: v.wallTime || undefined });
  }
  return points.sort((a, b) => a.step - b.step);
}

function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

function checkName(name: string, pattern: RegExp, shape: string): string {
  if (typeof name !== 'string' || !pattern.test(name)) {
    throw new TypeError(`expected a Vertex AI resource name like ${shape}, got ${JSON.stringify(String(name).slice(0, 120))}`);
  }
  return name;
}
