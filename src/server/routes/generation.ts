import type { FinishReason, GenerateContentResponse } from '../../core/api/types';
import { drained, type Exchange, readJson, sendJson } from '../exchange';
import { ServerError, baseModelNotFound, failedPrecondition, faultError, invalidField } from '../httpErrors';
import { LOCAL_TOKENIZER, ResponseBuilder, checkContentsPresent, planGeneration, type GenerationPlan, type SamplingDefaults } from '../generateContent';
import { type Generation, GenerationLoadError, type GenerationPool } from '../generationPool';
import { findBaseModel, tunedModelName } from '../resources';
import type { ApiPath, Route } from '../routing';
import type { ModelStore } from '../store';
import type { GenerationModel } from '../trainerPort';
import type { TuningService } from '../tuningService';
import { COUNT_TOKENS_SCHEMA, GENERATE_CONTENT_SCHEMA, normalizeMessage } from '../wire';
import { findTunedModel } from './tunedModelLookup';

export interface GenerationDeps {
  store: ModelStore;
  tuning: TuningService;
  /** Generation runs on these worker threads, never on the thread that answers requests. */
  generations: GenerationPool;
}

/** The model a generation runs on: its sampling defaults, where its weights are, and its `modelVersion`. */
interface GenerationTarget {
  defaults: SamplingDefaults;
  weightsFile: () => Promise<string>;
  version: string;
}

type ResolveTarget = (deps: GenerationDeps, path: ApiPath) => GenerationTarget;

/** generateContent and streamGenerateContent, on the base model and on ACTIVE tuned models. */
export function generationRoutes(deps: GenerationDeps): Route[] {
  const unary = (resolve: ResolveTarget) => async (ex: Exchange, path: ApiPath) => generateContent(ex, await prepare(ex, deps.generations, resolve(deps, path), 'whole'));
  const stream = (resolve: ResolveTarget) => async (ex: Exchange, path: ApiPath) => streamGenerateContent(ex, await prepare(ex, deps.generations, resolve(deps, path), 'stream'));
  return [
    { method: 'POST', pattern: 'models/*:generateContent', handle: unary(baseModelTarget) },
    { method: 'POST', pattern: 'models/*:streamGenerateContent', handle: stream(baseModelTarget) },
    { method: 'POST', pattern: 'models/*:countTokens', handle: async (ex, path) => countTokens(ex, baseModelTarget(deps, path), () => deps.tuning.baseModel()) },
    { method: 'POST', pattern: 'tunedModels/*:generateContent', versions: ['v1beta', 'v1'], handle: unary(tunedModelTarget) },
    { method: 'POST', pattern: 'tunedModels/*:streamGenerateContent', versions: ['v1beta', 'v1'], handle: stream(tunedModelTarget) },
  ];
}

function baseModelTarget({ tuning }: GenerationDeps, path: ApiPath): GenerationTarget {
  const name = `models/${path.id ?? ''}`;
  const base = findBaseModel(name);
  if (!base) throw baseModelNotFound(name);
  return {
    defaults: { temperature: base.temperature ?? 1, topP: base.topP ?? 0.95, topK: base.topK ?? 64, maxOutputTokens: base.outputTokenLimit ?? 8192 },
    weightsFile: () => tuning.baseModelFile(),
    version: base.baseModelId ?? name,
  };
}

function tunedModelTarget({ store, tuning }: GenerationDeps, path: ApiPath): GenerationTarget {
  const record = findTunedModel(store, path.id);
  if (record.state !== 'ACTIVE') {
    throw failedPrecondition(`Tuned model tunedModels/${record.id} is ${record.state}, not ACTIVE; it can serve generateContent only when tuning has finished successfully.`);
  }
  const base = findBaseModel(record.baseModel);
  return {
    defaults: { temperature: record.temperature, topP: record.topP, topK: record.topK, maxOutputTokens: base?.outputTokenLimit ?? 8192 },
    weightsFile: async () => tuning.weightsFile(record),
    version: tunedModelName(record.id),
  };
}

/**
 * models.countTokens: the tokens of the prompt the local model reads, counted by its own tokenizer,
 * so the figure is the `promptTokenCount` a generateContent with the same request reports. The
 * request is checked as a generation request would be.
 */
async function countTokens(ex: Exchange, target: GenerationTarget, load: () => Promise<GenerationModel>): Promise<void> {
  const body = normalizeMessage(await readJson(ex), COUNT_TOKENS_SCHEMA, '');
  const contents = Array.isArray(body.contents) && body.contents.length > 0 ? body.contents : undefined;
  const request = body.generateContentRequest as Record<string, unknown> | undefined;
  if (contents && request) throw invalidField('generateContentRequest', 'give either contents or generateContentRequest, not both.');
  if (!contents && !request) throw invalidField('contents', 'is required: give the contents to count, or a generateContentRequest.');
  const generation = request ?? { contents };
  checkContentsPresent(generation);
  const plan = planGeneration(generation, target.defaults);
  let model: GenerationModel;
  try {
    model = await load();
  } catch (e) {
    throw new ServerError('INTERNAL', `The tokenizer of ${target.version} could not be loaded: ${(e as Error).message}`);
  }
  const totalTokens = model.countTokens(plan.input);
  // proto3 JSON omits zeros.
  sendJson(ex, 200, totalTokens > 0 ? { totalTokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: totalTokens }] } : {});
}

interface Prepared {
  generation: Generation;
  plan: GenerationPlan;
  version: string;
}

/**
 * Reads and checks the request, then starts the generation on a worker. Resolves once the worker
 * has loaded the weights, so that a model that cannot be loaded is an error response, not a cut stream.
 */
async function prepare(ex: Exchange, pool: GenerationPool, target: GenerationTarget, mode: 'stream' | 'whole'): Promise<Prepared> {
  const body = normalizeMessage(await readJson(ex), GENERATE_CONTENT_SCHEMA, '');
  checkContentsPresent(body);
  const plan = planGeneration(body, target.defaults);
  let generation: Generation;
  try {
    generation = await pool.open(await target.weightsFile(), plan, mode);
  } catch (e) {
    throw new ServerError('INTERNAL', `The weights of ${target.version} could not be loaded: ${(e as Error).message}`);
  }
  if (ex.res.destroyed) generation.cancel();
  else ex.res.once('close', () => generation.cancel());
  return { generation, plan, version: target.version };
}

/** The whole answer of a generation on a worker, or a 500 naming what went wrong there. */
async function wholeGeneration(generation: Generation, version: string): Promise<Awaited<ReturnType<Generation['whole']>>> {
  try {
    return await generation.whole();
  } catch (e) {
    if (e instanceof GenerationLoadError) throw new ServerError('INTERNAL', `The weights of ${version} could not be loaded: ${e.message}`);
    throw new ServerError('INTERNAL', `The answer of ${version} could not be generated: ${(e as Error).message}`);
  }
}

async function generateContent(ex: Exchange, { generation, plan, version }: Prepared): Promise<void> {
  if (ex.faults.some((f) => f.action === 'cutStream')) {
    generation.cancel();
    ex.res.socket?.destroy();
    return;
  }
  const inBand = ex.faults.find((f) => f.action === 'inBandError');
  if (inBand && inBand.action === 'inBandError') {
    generation.cancel();
    throw faultError(inBand.status);
  }
  const builder = new ResponseBuilder(LOCAL_TOKENIZER, plan, version);
  const { texts, finished } = await wholeGeneration(generation, version);
  if (ex.res.destroyed) return;
  const ended: (FinishReason | undefined)[] = [];
  builder.absorb({ deltas: texts, finished }, ended);
  sendJson(ex, 200, builder.whole(ended));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function streamGenerateContent(ex: Exchange, { generation, plan, version }: Prepared): Promise<void> {
  try {
    await streamChunks(ex, generation, plan, version);
  } finally {
    generation.cancel();
  }
}

async function streamChunks(ex: Exchange, generation: Generation, plan: GenerationPlan, version: string): Promise<void> {
  const sse = ex.url.searchParams.get('alt') === 'sse';
  const res = ex.res;
  let cutAfter: number | undefined;
  let errorAfter: { after: number; status: number } | undefined;
  let chunkDelay = 0;
  for (const f of ex.faults) {
    if (f.action === 'cutStream') cutAfter = f.afterChunks;
    if (f.action === 'inBandError') errorAfter = { after: f.afterChunks, status: f.status };
    if (f.action === 'slowStream') chunkDelay = f.chunkDelayMs;
  }
  res.writeHead(200, {
    'Content-Type': sse ? 'text/event-stream' : 'application/json; charset=UTF-8',
    'Cache-Control': 'no-cache',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  let closed = false;
  res.on('close', () => (closed = true));
  // With a cut or an in-band error pending, each write waits until its bytes reached the socket, so
  // a fault after K chunks really delivers K chunks first; otherwise only backpressure makes a stream wait.
  // Chunks that are ready together leave in one write: the worker may be ahead of the socket.
  const faulted = cutAfter !== undefined || errorAfter !== undefined;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    res.uncork();
  };
  const write = (text: string): Promise<void> =>
    new Promise<void>((resolve) => {
      if (closed) return resolve();
      if (!corked && !faulted) {
        corked = true;
        res.cork();
        process.nextTick(uncork);
      }
      if (faulted) {
        res.write(text, () => resolve());
      } else if (res.write(text)) {
        resolve();
      } else {
        void drained(res).then(resolve);
      }
    });
  const builder = new ResponseBuilder(LOCAL_TOKENIZER, plan, version);
  let sent = 0;
  const frame = (json: unknown): string => {
    const text = JSON.stringify(json);
    if (sse) return `data: ${text}\r\n\r\n`;
    return sent === 0 ? `[${text}` : `,\r\n${text}`;
  };
  const interrupt = async (): Promise<boolean> => {
    if (cutAfter !== undefined && sent >= cutAfter) {
      res.socket?.destroy();
      return true;
    }
    if (errorAfter !== undefined && sent >= errorAfter.after) {
      await write(frame(faultError(errorAfter.status).toEnvelope()));
      sent++;
      if (!sse) await write(']');
      res.end();
      return true;
    }
    return false;
  };
  if (await interrupt()) return;
  // Chunks that arrived together leave in one write, unless each must be seen on its own (a fault
  // after K chunks, a slowed stream): a stream behind its worker catches up in fewer, larger writes.
  const oneByOne = faulted || chunkDelay > 0;
  for await (const first of generation.chunks()) {
    if (closed) return;
    let text = '';
    for (const chunk of oneByOne ? [first] : [first, ...generation.takeArrived()]) {
      const response: GenerateContentResponse = builder.chunk(chunk);
      if (!response.candidates || response.candidates.length === 0) continue;
      if (oneByOne) {
        if (chunkDelay > 0) await sleep(chunkDelay);
        if (closed) return;
        await write(frame(response));
        sent++;
        if (await interrupt()) return;
      } else {
        text += frame(response);
        sent++;
      }
    }
    if (text !== '') await write(text);
  }
  if (closed) return;
  if (sent === 0) await write(frame(builder.chunk({ deltas: [''], finished: ['STOP'] })));
  if (!sse) await write(']');
  // The last chunk and the end can arrive together, so the last write may still be corked; ending
  // a corked response loses its bytes on newer Node versions.
  if (corked) uncork();
  res.end();
}
