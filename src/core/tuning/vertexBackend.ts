import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { ApiError } from '../api/errors';
import { pollDelays } from '../api/client';
import { sleep } from '../api/transport';
import type { VertexClient } from '../vertex/client';
import { type TextExample, checkVertexJsonl, examplesToVertexJsonl } from '../vertex/dataset';
import type { StorageUploader, UploadProgress, UploadSource } from '../vertex/storageUpload';
import type { AdapterSize, CreateTuningJobRequest, TuningJob } from '../vertex/types';
import type { GenerateContentRequest, GenerateContentResponse } from '../api/types';
import type { ModelChanges, SubmittedJob, TuningBackend, TuningJobSubmitter, WaitOptions } from './backend';
import { isInFlight, parseCheckpointModelName, type TunedModelInfo } from './model';
import { fromVertexState, fromVertexTuningJob } from './vertexApi';

/** Training or validation data: already in Cloud Storage, the spec's examples, or a Vertex JSONL file or text. */
export type VertexDataset =
  | { readonly gcsUri: string }
  | { readonly examples: readonly TextExample[]; readonly systemInstruction?: string }
  | { readonly jsonlFile: string }
  | { readonly jsonl: string };

/** A tuning job as a spec describes it; the backend uploads its data and builds the create request. */
export interface VertexJobRequest {
  readonly baseModel: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly epochCount?: number;
  readonly learningRateMultiplier?: number;
  readonly adapterSize?: AdapterSize;
  readonly exportLastCheckpointOnly?: boolean;
  readonly training: VertexDataset;
  readonly validation?: VertexDataset;
}

export interface VertexSubmitOptions {
  readonly signal?: AbortSignal;
  /** Progress of each upload, by which dataset it is. */
  readonly onUploadProgress?: (dataset: 'training' | 'validation', progress: UploadProgress) => void;
}

export type VertexTuningClient = Pick<VertexClient, 'tuningJobs' | 'readLoss' | 'streamGenerateContent' | 'parent'>;

export interface VertexBackendOptions {
  readonly client: VertexTuningClient;
  readonly uploader: Pick<StorageUploader, 'upload'>;
  /** Where datasets are uploaded: a bucket the credentials can write, in or near the job's region. */
  readonly stagingBucket?: string;
  /** Folder in the bucket; default `gemini-tuning/`. */
  readonly objectPrefix?: string;
  readonly log?: (line: string) => void;
}

/** Vertex AI tuning jobs as a `TuningBackend` and a `TuningJobSubmitter`, over `VertexClient` and `StorageUploader`. */
export class VertexBackend implements TuningBackend, TuningJobSubmitter<VertexJobRequest> {
  readonly #client: VertexTuningClient;
  readonly #opts: VertexBackendOptions;
  /** The endpoints of SUCCEEDED jobs, which never change, by job name. */
  readonly #servingJobs = new Map<string, TuningJob>();

  constructor(opts: VertexBackendOptions) {
    this.#client = opts.client;
    this.#opts = opts;
  }

  /** Every job of the project and location, as neutral models (without loss: the chart reads it per job). */
  async *listModels(opts: { signal?: AbortSignal } = {}): AsyncGenerator<TunedModelInfo, void, undefined> {
    for await (const job of this.#client.tuningJobs.listAll({ signal: opts.signal })) yield fromVertexTuningJob(job);
  }

  async getModel(name: string, opts: { signal?: AbortSignal } = {}): Promise<TunedModelInfo> {
    return this.#withLoss(await this.#client.tuningJobs.get(name, opts), opts.signal);
  }

  updateModel(name: string, _changes: ModelChanges, fields: readonly (keyof ModelChanges)[]): Promise<TunedModelInfo> {
    return Promise.reject(new Error(`${name}: Vertex AI tuning jobs cannot change ${fields.join(', ') || 'anything'}; edit the tuned model in the Google Cloud console instead.`));
  }

  deleteModel(name: string): Promise<void> {
    return Promise.reject(new Error(`${name}: Vertex AI keeps tuning jobs; delete the tuned model and its endpoint in the Google Cloud console.`));
  }

  /** Refuses, with the state, a job that has already ended: the service would quietly do nothing. */
  async cancelJob(name: string): Promise<string> {
    const job = await this.#client.tuningJobs.get(name);
    const { state } = fromVertexState(job);
    if (!isInFlight(state)) {
      throw new Error(`${name} has already ended (${job.state ?? 'state unknown'}); there is nothing to cancel. Refresh the Tuned Models view to see it.`);
    }
    await this.#client.tuningJobs.cancel(name);
    return name;
  }

  /**
   * Streams an answer from what a feature names as a model: a tuning job (its tuned endpoint), one
   * of its checkpoints (`<job>/checkpoints/<id>`), an endpoint, or a base model (`gemini-2.5-flash`,
   * served as this project's publisher model).
   */
  streamGenerateContent(model: string, request: GenerateContentRequest, opts: { signal?: AbortSignal } = {}): AsyncIterable<GenerateContentResponse> {
    const client = this.#client;
    const target = (): Promise<string> => this.generationTarget(model, opts);
    return {
      async *[Symbol.asyncIterator]() {
        yield* client.streamGenerateContent(await target(), request, opts);
      },
    };
  }

  /** The endpoint or publisher model that generate requests for `model` go to (see `streamGenerateContent`). */
  async generationTarget(model: string, opts: { signal?: AbortSignal } = {}): Promise<string> {
    const checkpoint = parseCheckpointModelName(model);
    const jobName = checkpoint?.modelName ?? (/^projects\/[^/]+\/locations\/[^/]+\/tuningJobs\/[^/]+$/.test(model) ? model : undefined);
    if (jobName !== undefined) {
      const job = await this.#servingJob(jobName, opts.signal);
      if (!checkpoint) return job.tunedModel?.endpoint as string;
      const found = job.tunedModel?.checkpoints?.find((c) => c.checkpointId === checkpoint.checkpointId);
      if (!found?.endpoint) {
        const known = (job.tunedModel?.checkpoints ?? []).map((c) => c.checkpointId).filter(Boolean);
        throw new Error(`${jobName} has no checkpoint ${checkpoint.checkpointId} with an endpoint${known.length > 0 ? `; its checkpoints are ${known.join(', ')}` : ' (it kept only its last checkpoint)'}. Choose another model in the notebook's kernel picker.`);
      }
      return found.endpoint;
    }
    if (/^projects\//.test(model)) return model;
    const id = model.replace(/^(publishers\/google\/)?models\//, '');
    return `${this.#client.parent}/publishers/google/models/${id}`;
  }

  async #servingJob(name: string, signal: AbortSignal | undefined): Promise<TuningJob> {
    const known = this.#servingJobs.get(name);
    if (known) return known;
    const job = await this.#client.tuningJobs.get(name, { signal });
    const { state, detail } = fromVertexState(job);
    if (state !== 'active' || !job.tunedModel?.endpoint) {
      const why = state === 'failed' ? `it failed${job.error?.message ? `: ${job.error.message}` : ''}` : state === 'cancelled' ? 'it was cancelled' : `it is still tuning${detail ? ` (${detail})` : ''}`;
      throw new Error(`${job.tunedModelDisplayName ? `${job.tunedModelDisplayName} (${name})` : name} has no endpoint to answer prompts: ${why}.`);
    }
    this.#servingJobs.set(name, job);
    return job;
  }

  async submitJob(request: VertexJobRequest, opts: VertexSubmitOptions & { tunedModelId?: string } = {}): Promise<SubmittedJob> {
    const folder = `${(this.#opts.objectPrefix ?? 'gemini-tuning/').replace(/^\/+/, '')}${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(4).toString('hex')}/`;
    // Uploads finish, checked against the bytes sent, before the job exists: never a job over a partial file.
    const trainingDatasetUri = await this.#stage(request.training, `${folder}training.jsonl`, 'training', opts);
    const validationDatasetUri = request.validation ? await this.#stage(request.validation, `${folder}validation.jsonl`, 'validation', opts) : undefined;
    const hyperParameters = {
      ...(request.epochCount !== undefined ? { epochCount: request.epochCount } : {}),
      ...(request.learningRateMultiplier !== undefined ? { learningRateMultiplier: request.learningRateMultiplier } : {}),
      ...(request.adapterSize !== undefined ? { adapterSize: request.adapterSize } : {}),
    };
    const body: CreateTuningJobRequest = {
      baseModel: request.baseModel,
      supervisedTuningSpec: {
        trainingDatasetUri,
        ...(validationDatasetUri ? { validationDatasetUri } : {}),
        ...(Object.keys(hyperParameters).length > 0 ? { hyperParameters } : {}),
        ...(request.exportLastCheckpointOnly !== undefined ? { exportLastCheckpointOnly: request.exportLastCheckpointOnly } : {}),
      },
      ...(request.displayName ? { tunedModelDisplayName: request.displayName } : {}),
      ...(request.description ? { description: request.description } : {}),
      ...(request.labels ? { labels: { ...request.labels } } : {}),
    };
    // A cancel stops the uploads. Once they are done the create goes out whole: cut in flight, it could
    // leave a job the service made and nobody was told of.
    if (opts.signal?.aborted) throw new ApiError({ httpStatus: 499, status: 'CANCELLED', message: 'cancelled before the tuning job was created; no job was made', method: 'tuningJobs.create', httpMethod: 'POST', resource: 'tuningJobs' });
    const created = await this.#client.tuningJobs.create(body);
    const name = created.name;
    if (!name) throw new Error('Vertex AI created a tuning job but did not say its name; look for it in the Google Cloud console.');
    this.#opts.log?.(`created ${name} on ${trainingDatasetUri}`);
    return {
      model: fromVertexTuningJob(created),
      whenDone: (wait = {}) => this.#waitUntilEnded(name, wait),
    };
  }

  async #waitUntilEnded(name: string, wait: WaitOptions): Promise<TunedModelInfo> {
    const delays = pollDelays({ initialDelayMs: wait.initialDelayMs, maxDelayMs: wait.maxDelayMs });
    const aborted = () => new ApiError({ httpStatus: 499, status: 'CANCELLED', message: `stopped waiting for ${name}; the job goes on`, method: 'tuningJobs.get', httpMethod: 'GET', resource: name });
    for (;;) {
      await sleep(delays.next().value, wait.signal, aborted);
      const model = await this.getModel(name, { signal: wait.signal });
      try {
        wait.onProgress?.(model);
      } catch (err) {
        this.#opts.log?.(`${name}: a progress listener failed: ${(err as Error).message}`);
      }
      if (!isInFlight(model.state)) return model;
    }
  }

  async #withLoss(job: TuningJob, signal: AbortSignal | undefined): Promise<TunedModelInfo> {
    if (!job.experiment) return fromVertexTuningJob(job);
    try {
      return fromVertexTuningJob(job, await this.#client.readLoss(job.experiment, { signal }));
    } catch (err) {
      // The experiment is written a little after the job starts; until then there is no curve to draw.
      if (err instanceof ApiError && err.httpStatus === 404) return fromVertexTuningJob(job);
      throw err;
    }
  }

  async #stage(dataset: VertexDataset, object: string, which: 'training' | 'validation', opts: VertexSubmitOptions): Promise<string> {
    if ('gcsUri' in dataset) {
      if (!/^gs:\/\/[^/]+\/.+/.test(dataset.gcsUri)) throw new Error(`the ${which} data ${JSON.stringify(dataset.gcsUri)} is not a gs://bucket/object URI`);
      return dataset.gcsUri;
    }
    const bucket = this.#opts.stagingBucket;
    if (!bucket) throw new Error(`the ${which} data must be uploaded to Cloud Storage first, and no staging bucket is set: set geminiTuning.vertex.stagingBucket to a bucket you can write to`);
    let source: UploadSource;
    if ('examples' in dataset) {
      source = { bytes: Buffer.from(examplesToVertexJsonl(dataset.examples, dataset.systemInstruction)) };
    } else {
      const text = 'jsonl' in dataset ? dataset.jsonl : await fsp.readFile(dataset.jsonlFile, 'utf8');
      const where = 'jsonlFile' in dataset ? dataset.jsonlFile : `the ${which} JSONL`;
      const check = checkVertexJsonl(text, { maxProblems: 5 });
      if (check.problems.length > 0) {
        throw new Error(`${where} is not Vertex AI tuning data:\n${check.problems.map((p) => `  line ${p.line}: ${p.message}`).join('\n')}${check.truncated ? '\n  (more problems follow)' : ''}`);
      }
      source = 'jsonl' in dataset ? { bytes: Buffer.from(text) } : { path: dataset.jsonlFile };
    }
    const uploaded = await this.#opts.uploader.upload({
      bucket,
      object,
      source,
      contentType: 'application/jsonl',
      signal: opts.signal,
      onProgress: opts.onUploadProgress && ((p) => opts.onUploadProgress?.(which, p)),
    });
    return uploaded.gcsUri;
  }
}
