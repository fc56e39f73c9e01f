import { timingSafeEqual } from 'node:crypto';
import type { GenerateContentResponse } from '../../core/api/types';
import { drained, type Exchange, readJson, sendJson } from '../exchange';
import { LOCAL_TOKENIZER, ResponseBuilder, planGeneration } from '../generateContent';
import type { Generation, GenerationPool } from '../generationPool';
import { type FieldViolation, ServerError, errorInfoDetail, failedPrecondition, invalidField, invalidFields } from '../httpErrors';
import { PageRequest, pageBody } from '../pagination';
import { GENERATE_CONTENT_SCHEMA, type MessageSchema, normalizeMessage, queryParam, timestamp } from '../wire';
import { MetricsApi } from './metricsApi';
import { LOCATION_RE, NUMERIC_ID_RE, PROJECT_RE, numericId, parentName, projectNumberOf } from './names';
import { StorageError } from './objectStore';
import { StorageApi, sendStorageError } from './storageRoutes';
import { compileEndpointFilter, deleteOperation, endpointIdOf, liveEndpoints, toEndpoint, toModel } from './deployments';
import { type EndpointTarget, TERMINAL_STATES, type TuningJobRecord, type TuningJobStore } from './tuningJobStore';
import { ADAPTER_SIZES, ADAPTER_SIZE_BY_NUMBER, TUNABLE_BASE_MODELS, endpointName, jobName, toTuningJob } from './tuningJobWire';
import type { VertexTuning } from './vertexTuning';

/** Pending or running tuning jobs a project may have in one location; the next create is refused with 429. */
export const MAX_UNFINISHED_TUNING_JOBS = 16;

const S = 'scalar' as const;
const A = 'any' as const;

const TUNING_JOB_SCHEMA: MessageSchema = {
  name: S,
  baseModel: S,
  preTunedModel: A,
  supervisedTuningSpec: {
    trainingDatasetUri: S,
    validationDatasetUri: S,
    hyperParameters: { epochCount: S, learningRateMultiplier: S, adapterSize: S, batchSize: S, learningRate: S },
    exportLastCheckpointOnly: S,
    evaluationConfig: A,
    tuningMode: S,
  },
  tunedModelDisplayName: S,
  description: S,
  customBaseModel: S,
  labels: A,
  encryptionSpec: A,
  serviceAccount: S,
  outputUri: S,
  state: S,
  createTime: S,
  startTime: S,
  endTime: S,
  updateTime: S,
  experiment: S,
  tunedModel: A,
  tuningDataStats: A,
  error: A,
};

/** Default and largest list page (the service documents neither for tuningJobs). */
export const DEFAULT_LIST_PAGE_SIZE = 50;

const PUBLISHER_MODEL_RE = /^\/(v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

const VERTEX_PATH_RE = /^\/(v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/(tuningJobs|endpoints|models)(?:\/([^/:]+))?(?::([A-Za-z]+))?$/;

interface VertexPath {
  apiVersion: string;
  projectNumber: string;
  location: string;
  collection: 'tuningJobs' | 'endpoints' | 'models';
  id?: string;
  verb?: string;
}

type Obj = Record<string, unknown>;

function keysEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

const CREDENTIALS_MESSAGE = 'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

/**
 * Vertex AI's tuning surface (`/v1` and `/v1beta1` under `projects/*\/locations/*`): tuningJobs
 * and the tuned endpoints' generateContent, plus the Cloud Storage JSON API the datasets come
 * from. With a token configured, every call needs `Authorization: Bearer <token>`.
 */
export class VertexApi {
  constructor(
    private readonly jobs: TuningJobStore,
    private readonly tuning: VertexTuning,
    private readonly storage: StorageApi,
    private readonly generations: GenerationPool,
    private readonly token: string | undefined,
  ) {
    this.metrics = new MetricsApi(jobs);
  }

  private readonly metrics: MetricsApi;

  serves(pathname: string): boolean {
    return /^\/(v1|v1beta1)\/projects\//.test(pathname) || StorageApi.serves(pathname);
  }

  async handle(ex: Exchange): Promise<void> {
    const isStorage = StorageApi.serves(ex.url.pathname);
    const denied = this.checkToken(ex);
    if (denied) {
      ex.res.setHeader('WWW-Authenticate', 'Bearer realm="https://accounts.google.com/"');
      if (isStorage) return sendStorageError(ex, denied === 'missing' ? new StorageError(401, 'required', 'Anonymous caller does not have storage access to the Google Cloud Storage resource.') : new StorageError(401, 'authError', 'Invalid Credentials'));
      throw denied === 'missing'
        ? new ServerError('UNAUTHENTICATED', `Request is missing required authentication credential. ${CREDENTIALS_MESSAGE}`, [errorInfoDetail('CREDENTIALS_MISSING', { service: 'aiplatform.googleapis.com' })])
        : new ServerError('UNAUTHENTICATED', `Request had invalid authentication credentials. ${CREDENTIALS_MESSAGE}`, [errorInfoDetail('ACCESS_TOKEN_TYPE_UNSUPPORTED', { service: 'aiplatform.googleapis.com' })]);
    }
    if (isStorage) return this.storage.handle(ex);
    if (MetricsApi.serves(ex.url.pathname)) return this.metrics.handle(ex, projectNumberOf);
    const publisher = PUBLISHER_MODEL_RE.exec(ex.url.pathname);
    if (publisher && ex.method === 'POST') return this.generateFromBaseModel(ex, publisher);
    const path = this.parse(ex.url.pathname);
    if (path.collection === 'endpoints') {
      if (ex.method === 'POST' && path.id !== undefined && (path.verb === 'generateContent' || path.verb === 'streamGenerateContent')) {
        return this.generate(ex, path, path.verb === 'streamGenerateContent');
      }
      if (path.verb === undefined && path.id === undefined && ex.method === 'GET') return this.listEndpoints(ex, path);
      if (path.verb === undefined && path.id !== undefined && ex.method === 'GET') return sendJson(ex, 200, toEndpoint(this.findEndpoint(path)));
      if (path.verb === undefined && path.id !== undefined && ex.method === 'DELETE') return this.deleteEndpoint(ex, path);
      throw new ServerError('NOT_FOUND', `No method serves ${ex.method} ${ex.url.pathname} on this server.`);
    }
    if (path.collection === 'models') {
      if (path.verb === undefined && path.id !== undefined && ex.method === 'GET') return sendJson(ex, 200, toModel(this.findModel(path)));
      if (path.verb === undefined && path.id !== undefined && ex.method === 'DELETE') return this.deleteModel(ex, path);
      throw new ServerError('NOT_FOUND', `No method serves ${ex.method} ${ex.url.pathname} on this server.`);
    }
    if (path.id === undefined && path.verb === undefined) {
      if (ex.method === 'POST') return this.create(ex, path);
      if (ex.method === 'GET') return this.list(ex, path);
    } else if (path.id !== undefined && path.verb === undefined && ex.method === 'GET') {
      return sendJson(ex, 200, toTuningJob(this.find(path)));
    } else if (path.id !== undefined && path.verb === 'cancel' && ex.method === 'POST') {
      await readJson(ex);
      await this.tuning.cancel(this.find(path));
      return sendJson(ex, 200, {});
    }
    throw new ServerError('NOT_FOUND', `No method serves ${ex.method} ${ex.url.pathname} on this server.`);
  }

  private checkToken(ex: Exchange): 'missing' | 'invalid' | undefined {
    if (this.token === undefined) return undefined;
    const header = ex.req.headers.authorization;
    const m = typeof header === 'string' ? /^bearer\s+(.+)$/i.exec(header.trim()) : null;
    if (!m) return 'missing';
    return keysEqual(m[1], this.token) ? undefined : 'invalid';
  }

  private parse(pathname: string): VertexPath {
    const m = VERTEX_PATH_RE.exec(pathname);
    if (!m) throw new ServerError('NOT_FOUND', `No method serves ${pathname} on this server.`);
    const [, apiVersion, project, location, collection, id, verb] = m;
    if (!PROJECT_RE.test(project)) throw invalidField('name', `"${project}" is not a valid project ID or number.`);
    if (!LOCATION_RE.test(location)) throw invalidField('name', `"${location}" is not a valid location.`);
    return { apiVersion, projectNumber: projectNumberOf(project), location, collection: collection as VertexPath['collection'], id, verb };
  }

  private find(path: VertexPath): TuningJobRecord {
    const id = path.id ?? '';
    const record = NUMERIC_ID_RE.test(id) ? this.jobs.get(id) : undefined;
    if (!record || record.projectNumber !== path.projectNumber || record.location !== path.location) {
      throw new ServerError('NOT_FOUND', `The TuningJob ${parentName(path.projectNumber, path.location)}/tuningJobs/${id} does not exist.`);
    }
    return record;
  }

  private async create(ex: Exchange, path: VertexPath): Promise<void> {
    const body = normalizeMessage(await readJson(ex), TUNING_JOB_SCHEMA, 'tuning_job');
    const violations: FieldViolation[] = [];
    const add = (field: string, description: string): void => void violations.push({ field: `tuning_job.${field}`, description });
    if (body.preTunedModel !== undefined) add('pre_tuned_model', 'Continuous tuning from a tuned model is not supported by the local server; give baseModel.');
    const baseModel = typeof body.baseModel === 'string' ? body.baseModel.replace(/^publishers\/google\/models\//, '') : '';
    if (body.preTunedModel === undefined) {
      if (!baseModel) add('base_model', 'is required.');
      else if (!TUNABLE_BASE_MODELS.includes(baseModel)) add('base_model', `Base model ${baseModel} is not supported for tuning. Supported: ${TUNABLE_BASE_MODELS.join(', ')}.`);
    }
    const spec = (body.supervisedTuningSpec ?? undefined) as Obj | undefined;
    if (!spec) add('supervised_tuning_spec', 'is required: the local server runs supervised fine-tuning only.');
    const train = spec?.trainingDatasetUri;
    if (spec && (typeof train !== 'string' || !/^gs:\/\/[^/]+\/.+/.test(train))) add('supervised_tuning_spec.training_dataset_uri', 'is required and must be a gs://bucket/object URI of a JSONL file.');
    const validation = spec?.validationDatasetUri;
    if (validation !== undefined && validation !== '' && (typeof validation !== 'string' || !/^gs:\/\/[^/]+\/.+/.test(validation))) {
      add('supervised_tuning_spec.validation_dataset_uri', 'must be a gs://bucket/object URI of a JSONL file.');
    }
    const hp = (spec?.hyperParameters ?? {}) as Obj;
    let epochCount: number | undefined;
    if (hp.epochCount !== undefined) {
      epochCount = Number(hp.epochCount);
      if (!Number.isInteger(epochCount) || epochCount < 1 || epochCount > 100) add('supervised_tuning_spec.hyper_parameters.epoch_count', `must be an integer from 1 to 100; got ${JSON.stringify(hp.epochCount)}.`);
    }
    let multiplier: number | undefined;
    if (hp.learningRateMultiplier !== undefined) {
      multiplier = Number(hp.learningRateMultiplier);
      if (!Number.isFinite(multiplier) || multiplier <= 0 || multiplier > 100) add('supervised_tuning_spec.hyper_parameters.learning_rate_multiplier', `must be a number above 0 and at most 100; got ${JSON.stringify(hp.learningRateMultiplier)}.`);
    }
    let adapterSize: string | undefined;
    if (hp.adapterSize !== undefined) {
      adapterSize = typeof hp.adapterSize === 'number' ? ADAPTER_SIZE_BY_NUMBER[hp.adapterSize] : String(hp.adapterSize);
      if (!adapterSize || !ADAPTER_SIZES.includes(adapterSize)) add('supervised_tuning_spec.hyper_parameters.adapter_size', `must be one of ${ADAPTER_SIZES.join(', ')}; got ${JSON.stringify(hp.adapterSize)}.`);
    }
    for (const field of ['batchSize', 'learningRate'] as const) {
      if (hp[field] !== undefined) add(`supervised_tuning_spec.hyper_parameters.${field === 'batchSize' ? 'batch_size' : 'learning_rate'}`, 'applies to open models only; Gemini tuning takes epochCount, learningRateMultiplier and adapterSize.');
    }
    const displayName = body.tunedModelDisplayName;
    if (displayName !== undefined && (typeof displayName !== 'string' || displayName.length > 128)) add('tuned_model_display_name', 'must be a string of at most 128 characters.');
    const labels = body.labels;
    if (labels !== undefined) {
      if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) add('labels', 'must be a map of strings.');
      else {
        for (const [k, v] of Object.entries(labels)) {
          if (!/^[a-z][a-z0-9_-]{0,62}$/.test(k) || typeof v !== 'string' || !/^[a-z0-9_-]{0,63}$/.test(v)) {
            add(`labels.${k}`, 'keys and values are at most 63 (keys 1-63, starting with a letter) lowercase letters, digits, "_" or "-".');
          }
        }
      }
    }
    if (violations.length > 0) throw invalidFields(violations);
    const unfinished = this.jobs.all().filter((r) => r.projectNumber === path.projectNumber && r.location === path.location && !TERMINAL_STATES.includes(r.state)).length;
    if (unfinished >= MAX_UNFINISHED_TUNING_JOBS) {
      throw new ServerError(
        'RESOURCE_EXHAUSTED',
        `The following quota metrics exceed quota limits: aiplatform.googleapis.com/concurrent_tuning_jobs (${unfinished} of ${MAX_UNFINISHED_TUNING_JOBS} pending or running in ${parentName(path.projectNumber, path.location)}). Cancel a job or wait for one to end, then try again.`,
      );
    }
    const now = timestamp();
    const record: TuningJobRecord = {
      v: 1,
      id: numericId(),
      projectNumber: path.projectNumber,
      location: path.location,
      baseModel,
      ...(typeof displayName === 'string' ? { tunedModelDisplayName: displayName } : {}),
      ...(typeof body.description === 'string' ? { description: body.description } : {}),
      ...(labels ? { labels: labels as Record<string, string> } : {}),
      spec: {
        trainingDatasetUri: train as string,
        ...(typeof validation === 'string' && validation !== '' ? { validationDatasetUri: validation } : {}),
        ...(epochCount !== undefined ? { epochCount } : {}),
        ...(multiplier !== undefined ? { learningRateMultiplier: multiplier } : {}),
        ...(adapterSize !== undefined ? { adapterSize } : {}),
        ...(spec?.exportLastCheckpointOnly === true ? { exportLastCheckpointOnly: true } : {}),
      },
      state: 'JOB_STATE_PENDING',
      createTime: now,
      updateTime: now,
      experimentId: `tuning-experiment-${now.replace(/\D/g, '')}${numericId().slice(-6)}`,
      modelId: numericId(),
      endpointId: numericId(),
      snapshots: [],
    };
    await this.tuning.create(record);
    sendJson(ex, 200, toTuningJob(record));
  }

  private list(ex: Exchange, path: VertexPath): void {
    const page = PageRequest.read(ex.url.searchParams, DEFAULT_LIST_PAGE_SIZE);
    const filter = queryParam(ex.url.searchParams, 'filter') ?? '';
    const accept = compileJobFilter(filter);
    const cursor = page.resumeAfter(['tuningJobs', path.projectNumber, path.location, filter]);
    const matching = this.jobs.all().filter((r) => r.projectNumber === path.projectNumber && r.location === path.location && accept(r));
    sendJson(ex, 200, pageBody('tuningJobs', page.slice(matching, cursor, jobName), toTuningJob));
  }

  /** A deployed, undeleted endpoint of a SUCCEEDED job in the path's project and location. */
  private findEndpoint(path: VertexPath): EndpointTarget {
    const id = path.id ?? '';
    const target = NUMERIC_ID_RE.test(id) ? this.jobs.byEndpointId(id) : undefined;
    const record = target?.record;
    if (!target || !record || record.projectNumber !== path.projectNumber || record.location !== path.location || !liveEndpoints(record).some((t) => endpointIdOf(t) === id)) {
      throw new ServerError('NOT_FOUND', `Endpoint ${parentName(path.projectNumber, path.location)}/endpoints/${id} not found.`);
    }
    return target;
  }

  /** The model of a SUCCEEDED job, named with or without its version (`@1`). */
  private findModel(path: VertexPath): TuningJobRecord {
    const [id, version] = (path.id ?? '').split('@');
    const record = NUMERIC_ID_RE.test(id) ? this.jobs.all().find((r) => r.modelId === id) : undefined;
    if (!record || record.projectNumber !== path.projectNumber || record.location !== path.location || record.state !== 'JOB_STATE_SUCCEEDED' || record.modelDeleted || (version !== undefined && version !== '1' && version !== 'default')) {
      throw new ServerError('NOT_FOUND', `Model ${parentName(path.projectNumber, path.location)}/models/${path.id ?? ''} not found.`);
    }
    return record;
  }

  private listEndpoints(ex: Exchange, path: VertexPath): void {
    const page = PageRequest.read(ex.url.searchParams, DEFAULT_LIST_PAGE_SIZE);
    const filter = queryParam(ex.url.searchParams, 'filter') ?? '';
    const accept = compileEndpointFilter(filter);
    const cursor = page.resumeAfter(['endpoints', path.projectNumber, path.location, filter]);
    const matching = this.jobs
      .all()
      .filter((r) => r.projectNumber === path.projectNumber && r.location === path.location)
      .flatMap((r) => liveEndpoints(r))
      .map(toEndpoint)
      .filter(accept);
    sendJson(ex, 200, pageBody('endpoints', page.slice(matching, cursor, (e) => e.name as string), (e) => e));
  }

  /** Undeploys the endpoint's checkpoint and removes the endpoint; its epoch weights are deleted with it. */
  private async deleteEndpoint(ex: Exchange, path: VertexPath): Promise<void> {
    const target = this.findEndpoint(path);
    const record = target.record;
    const id = endpointIdOf(target);
    const before = record.deletedEndpointIds;
    record.deletedEndpointIds = [...(before ?? []), id];
    try {
      await this.jobs.save(record);
    } catch (e) {
      record.deletedEndpointIds = before;
      throw new ServerError('INTERNAL', `Endpoint ${id} could not be deleted: ${(e as Error).message}`);
    }
    this.tuning.forget(record, target.epoch);
    sendJson(ex, 200, deleteOperation(parentName(path.projectNumber, path.location), path.apiVersion, numericId(), timestamp()));
  }

  private async deleteModel(ex: Exchange, path: VertexPath): Promise<void> {
    const record = this.findModel(path);
    const deployed = liveEndpoints(record);
    if (deployed.length > 0) {
      throw failedPrecondition(
        `The model ${parentName(path.projectNumber, path.location)}/models/${record.modelId} is deployed to ${deployed.length} endpoint(s): ${deployed.map((t) => endpointName(record, endpointIdOf(t))).join(', ')}. Delete or undeploy them first.`,
      );
    }
    record.modelDeleted = true;
    try {
      await this.jobs.save(record);
    } catch (e) {
      record.modelDeleted = undefined;
      throw new ServerError('INTERNAL', `Model ${record.modelId} could not be deleted: ${(e as Error).message}`);
    }
    sendJson(ex, 200, deleteOperation(parentName(path.projectNumber, path.location), path.apiVersion, numericId(), timestamp()));
  }

  private async generate(ex: Exchange, path: VertexPath, stream: boolean): Promise<void> {
    const target = this.findEndpoint(path);
    const record = target.record;
    await this.answer(ex, { stream, modelVersion: record.baseModel, what: `The tuned model of ${jobName(record)}`, loadFailure: 'INTERNAL' }, async () => this.tuning.weightsFile(record, target.epoch));
  }

  /** A tunable Gemini model as the project's publisher model: the local server's base model answers for each. */
  private async generateFromBaseModel(ex: Exchange, [, , project, location, id, verb]: RegExpExecArray): Promise<void> {
    if (!PROJECT_RE.test(project)) throw invalidField('model', `"${project}" is not a valid project ID or number.`);
    if (!LOCATION_RE.test(location)) throw invalidField('model', `"${location}" is not a valid location.`);
    if (!TUNABLE_BASE_MODELS.includes(id)) {
      throw new ServerError('NOT_FOUND', `Publisher Model \`projects/${project}/locations/${location}/publishers/google/models/${id}\` was not found or your project does not have access to it. This server serves ${TUNABLE_BASE_MODELS.join(', ')}.`);
    }
    await this.answer(ex, { stream: verb === 'streamGenerateContent', modelVersion: id, what: `The base model behind ${id}`, loadFailure: 'UNAVAILABLE' }, () => this.tuning.baseModelFile());
  }

  private async answer(ex: Exchange, how: { stream: boolean; modelVersion: string; what: string; loadFailure: 'INTERNAL' | 'UNAVAILABLE' }, weightsFile: () => Promise<string>): Promise<void> {
    const { stream, modelVersion, what } = how;
    const raw = await readJson(ex);
    const plan = planGeneration(normalizeMessage(vertexToGeminiRequest(raw), GENERATE_CONTENT_SCHEMA, ''), { temperature: 1, topP: 0.95, topK: 64, maxOutputTokens: 8192 });
    let generation: Generation;
    try {
      generation = await this.generations.open(await weightsFile(), plan, stream ? 'stream' : 'whole');
    } catch (e) {
      throw new ServerError(how.loadFailure, `${what} could not be loaded: ${(e as Error).message}`);
    }
    try {
      await this.respond(ex, generation, plan, modelVersion, what, stream);
    } finally {
      generation.cancel();
    }
  }

  private async respond(ex: Exchange, generation: Generation, plan: ReturnType<typeof planGeneration>, modelVersion: string, what: string, stream: boolean): Promise<void> {
    ex.res.once('close', () => generation.cancel());
    const builder = new ResponseBuilder(LOCAL_TOKENIZER, plan, modelVersion);
    const createTime = timestamp();
    const vertexShape = (r: GenerateContentResponse): Obj => ({ ...r, usageMetadata: { ...r.usageMetadata, trafficType: 'ON_DEMAND' }, createTime });
    if (!stream) {
      let whole: Awaited<ReturnType<Generation['whole']>>;
      try {
        whole = await generation.whole();
      } catch (e) {
        throw new ServerError('INTERNAL', `${what} could not generate an answer: ${(e as Error).message}`);
      }
      if (ex.res.destroyed) return;
      const finished: Parameters<ResponseBuilder['whole']>[0] = [];
      builder.absorb({ deltas: whole.texts, finished: whole.finished }, finished);
      return sendJson(ex, 200, vertexShape(builder.whole(finished)));
    }
    const sse = ex.url.searchParams.get('alt') === 'sse';
    ex.res.writeHead(200, { 'Content-Type': sse ? 'text/event-stream' : 'application/json; charset=UTF-8', 'Cache-Control': 'no-cache' });
    let sent = 0;
    for await (const chunk of generation.chunks()) {
      const response = builder.chunk(chunk);
      if (!response.candidates || response.candidates.length === 0) continue;
      if (ex.res.destroyed) return;
      const text = JSON.stringify(vertexShape(response));
      const flowing = ex.res.write(sse ? `data: ${text}\r\n\r\n` : `${sent === 0 ? '[' : ',\r\n'}${text}`);
      sent++;
      if (!flowing) await drained(ex.res);
    }
    if (sent === 0) {
      const text = JSON.stringify(vertexShape(builder.chunk({ deltas: [''], finished: ['STOP'] })));
      ex.res.write(sse ? `data: ${text}\r\n\r\n` : `[${text}`);
    }
    ex.res.end(sse ? '' : ']');
  }
}

/**
 * Vertex requests spell some things the Gemini API does not: roles in any case ("USER"), `parts`
 * as a single object, `labels`, and a `thinkingConfig` that tuned models are told to switch off
 * (the local model does not think, so it is accepted and has no effect).
 */
function vertexToGeminiRequest(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const body = { ...(raw as Obj) };
  delete body.labels;
  const fixContent = (c: unknown): unknown => {
    if (!c || typeof c !== 'object' || Array.isArray(c)) return c;
    const content = { ...(c as Obj) };
    if (typeof content.role === 'string') content.role = content.role.toLowerCase();
    if (content.parts && typeof content.parts === 'object' && !Array.isArray(content.parts)) content.parts = [content.parts];
    return content;
  };
  if (Array.isArray(body.contents)) body.contents = body.contents.map(fixContent);
  const system = body.systemInstruction ?? body.system_instruction;
  if (system !== undefined) {
    delete body.system_instruction;
    body.systemInstruction = fixContent(system);
    delete (body.systemInstruction as Obj).role;
  }
  const config = body.generationConfig ?? body.generation_config;
  if (config && typeof config === 'object') {
    delete body.generation_config;
    const copy = { ...(config as Obj) };
    delete copy.thinkingConfig;
    delete copy.thinking_config;
    body.generationConfig = copy;
  }
  return body;
}

/** List filter (AIP-160 subset): `state=…` and `labels.k=v` terms joined by AND; anything else is 400. */
export function compileJobFilter(filter: string): (r: TuningJobRecord) => boolean {
  const text = filter.trim();
  if (text === '') return () => true;
  const tests: ((r: TuningJobRecord) => boolean)[] = [];
  for (const term of text.split(/\s+AND\s+/)) {
    const m = /^\s*(state|labels\.([a-z][a-z0-9_-]*))\s*(=|!=)\s*("([^"]*)"|\S+)\s*$/.exec(term);
    if (!m) throw invalidField('filter', `supports state=JOB_STATE_… and labels.KEY=VALUE terms joined by AND; got ${JSON.stringify(term)}.`);
    const value = m[5] ?? m[4];
    const negate = m[3] === '!=';
    const label = m[2];
    tests.push((r) => (label !== undefined ? r.labels?.[label] === value : r.state === value) !== negate);
  }
  return (r) => tests.every((t) => t(r));
}
