import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { FinishReason, GenerateContentResponse, Model } from '../core/api/types';
import {
  ServerError,
  badRequestDetail,
  errorInfoDetail,
  failedPrecondition,
  invalidField,
  localizedMessageDetail,
  retryInfoDetail,
  statusForHttp,
  tunedModelNotFound,
} from './httpErrors';
import { type FaultAction, type FaultInjector, parseRule } from './faults';
import { ResponseBuilder, planGeneration, runCandidates, type GenerationPlan } from './generateContent';
import type { ModelRecord, PermissionRecord } from './records';
import { BASE_MODELS, findBaseModel, toOperation, toPermission, toTunedModel, tunedModelName } from './resources';
import { ModelStore, WEIGHTS_FILE } from './store';
import type { GenerationModel } from './trainerPort';
import type { TuningService } from './tuningService';
import { checkDisplayName, checkRange, readInteger, readNumber, readString, validateCreate, Violations } from './requestValidation';
import {
  GENERATE_CONTENT_SCHEMA,
  PERMISSION_SCHEMA,
  TRANSFER_OWNERSHIP_SCHEMA,
  TUNED_MODEL_SCHEMA,
  decodePageToken,
  encodePageToken,
  idFromDisplayName,
  isValidTunedModelId,
  normalizeMessage,
  parsePageSize,
  queryFingerprint,
  randomId,
  snakeToCamel,
  timestamp,
} from './wire';

/** Requests with a larger body are refused with 400 before they are read in full. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Who "me" is in list filters; the local server has a single user. */
export const LOCAL_USER_EMAIL = 'local-user@localhost';

const MUTABLE_FIELDS = ['displayName', 'description', 'temperature', 'topP', 'topK', 'readerProjectNumbers'] as const;
const IMMUTABLE_FIELDS = ['name', 'baseModel', 'tunedModelSource', 'state', 'createTime', 'updateTime', 'tuningTask'];

export interface AppOptions {
  store: ModelStore;
  tuning: TuningService;
  faults?: FaultInjector;
  apiKey?: string;
  log: (line: string) => void;
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  pretty: boolean;
  faults: FaultAction[];
}

type Obj = Record<string, unknown>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function notFoundRoute(method: string, pathname: string): ServerError {
  return new ServerError('NOT_FOUND', `No method serves ${method} ${pathname} on this server.`);
}

function sendJson(ctx: Ctx, status: number, body: unknown): void {
  if (ctx.res.headersSent || ctx.res.destroyed) return;
  const text = ctx.pretty ? JSON.stringify(body, null, 2) + '\n' : JSON.stringify(body);
  ctx.res.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
  });
  ctx.res.end(text);
}

function sendError(ctx: Ctx, error: ServerError, extraHeaders: Record<string, string> = {}): void {
  if (ctx.res.headersSent || ctx.res.destroyed) return;
  for (const [k, v] of Object.entries(extraHeaders)) ctx.res.setHeader(k, v);
  sendJson(ctx, error.httpStatus, error.toEnvelope());
}

/** The error a fault rule or an in-band stream error carries for an HTTP status. */
export function faultError(status: number, retryDelay?: string): ServerError {
  const rpc = statusForHttp(status);
  if (status === 429) {
    return new ServerError(
      'RESOURCE_EXHAUSTED',
      `You exceeded your current quota, please check your plan and billing details. Please retry in ${retryDelay ?? '1s'}.`,
      [retryInfoDetail(retryDelay ?? '1s')],
      429,
    );
  }
  const messages: Partial<Record<string, string>> = {
    INTERNAL: 'Internal error encountered.',
    UNAVAILABLE: 'The service is currently unavailable.',
    DEADLINE_EXCEEDED: 'Deadline expired before operation could complete.',
  };
  return new ServerError(rpc, messages[rpc] ?? `Injected fault: HTTP ${status}.`, retryDelay ? [retryInfoDetail(retryDelay)] : [], status);
}

async function readBody(ctx: Ctx): Promise<Buffer> {
  const declared = Number(ctx.req.headers['content-length']);
  const tooLarge = (): ServerError =>
    new ServerError('INVALID_ARGUMENT', `Request payload size exceeds the limit: ${MAX_BODY_BYTES} bytes.`, [
      badRequestDetail([{ field: '', description: `The request body must be at most ${MAX_BODY_BYTES} bytes (64 MiB).` }]),
    ]);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readJson(ctx: Ctx): Promise<unknown> {
  const buf = await readBody(ctx);
  const text = buf.toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = `Invalid JSON payload received. ${(e as Error).message}.`.replace(/\.\.$/, '.');
    throw new ServerError('INVALID_ARGUMENT', message, [badRequestDetail([{ field: '', description: message }])]);
  }
}

function keysEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

function checkApiKey(req: IncomingMessage, url: URL, apiKey: string): ServerError | undefined {
  const header = req.headers['x-goog-api-key'];
  const given = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('key') ?? undefined;
  if (given !== undefined && given !== '') {
    if (keysEqual(given, apiKey)) return undefined;
    const message = 'API key not valid. Please pass a valid API key.';
    return new ServerError('INVALID_ARGUMENT', message, [
      errorInfoDetail('API_KEY_INVALID', { service: 'generativelanguage.googleapis.com' }),
      localizedMessageDetail(message),
    ]);
  }
  if (typeof req.headers.authorization === 'string' && /^bearer\s/i.test(req.headers.authorization)) {
    return new ServerError(
      'UNAUTHENTICATED',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    );
  }
  return new ServerError(
    'PERMISSION_DENIED',
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
  );
}

interface Route {
  collection: 'models' | 'tunedModels';
  id?: string;
  verb?: string;
  sub?: 'operations' | 'permissions';
  subId?: string;
}

function parseRoute(pathname: string): Route | undefined {
  let rest: string;
  if (pathname.startsWith('/v1beta/')) rest = pathname.slice('/v1beta/'.length);
  else if (/^\/v1\/tunedModels\/[^/]+\/operations\/[^/]+$/.test(pathname)) rest = pathname.slice('/v1/'.length);
  else return undefined;
  let segments: string[];
  try {
    segments = rest.split('/').map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  const last = segments[segments.length - 1];
  let verb: string | undefined;
  const colon = last.indexOf(':');
  if (colon >= 0) {
    verb = last.slice(colon + 1);
    segments[segments.length - 1] = last.slice(0, colon);
  }
  const [collection, id, sub, subId, ...extra] = segments;
  if (collection !== 'models' && collection !== 'tunedModels') return undefined;
  if (extra.length > 0 || id === '' || subId === '') return undefined;
  if (sub !== undefined && sub !== 'operations' && sub !== 'permissions') return undefined;
  if (collection === 'models' && sub !== undefined) return undefined;
  return { collection, id, verb, sub: sub as Route['sub'], subId };
}

type Handler = (ctx: Ctx, route: Route) => Promise<void>;

export function createRequestHandler(options: AppOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, tuning, faults, apiKey, log } = options;
  const reservedIds = new Set<string>();

  function lookup(id: string | undefined): ModelRecord {
    const record = id !== undefined && isValidTunedModelId(id) ? store.get(id) : undefined;
    if (!record) throw tunedModelNotFound(tunedModelName(id ?? ''));
    return record;
  }

  // ── tuned models ──────────────────────────────────────────────────────────────────────
  const createTunedModel: Handler = async (ctx) => {
    const body = normalizeMessage(await readJson(ctx), TUNED_MODEL_SCHEMA, 'tuned_model');
    const request = validateCreate(body, ctx.url.searchParams.get('tunedModelId'));
    let baseModel: Model | undefined;
    let source: ModelRecord | undefined;
    if (request.baseModel) {
      baseModel = findBaseModel(request.baseModel);
      if (!baseModel) {
        const hint = request.baseModel.startsWith('models/') ? '' : ' Base model names start with "models/".';
        throw invalidField('baseModel', `${request.baseModel} is not a base model this server can tune; GET /v1beta/models lists them.${hint}`);
      }
    } else {
      const name = request.sourceTunedModel ?? '';
      const sourceId = name.startsWith('tunedModels/') ? name.slice('tunedModels/'.length) : undefined;
      source = sourceId !== undefined && isValidTunedModelId(sourceId) ? store.get(sourceId) : undefined;
      if (!source) throw invalidField('tunedModelSource.tunedModel', `Tuned model ${name} does not exist.`);
      if (source.state !== 'ACTIVE') {
        throw failedPrecondition(`tunedModelSource.tunedModel: tuned model ${name} is ${source.state}; only an ACTIVE model can be tuned further.`, 'tunedModelSource.tunedModel');
      }
      baseModel = findBaseModel(source.baseModel);
    }
    let id = request.tunedModelId;
    if (id !== undefined) {
      if (store.has(id) || reservedIds.has(id)) {
        throw new ServerError('ALREADY_EXISTS', `Tuned model tunedModels/${id} already exists.`);
      }
    } else {
      do id = idFromDisplayName(request.displayName);
      while (store.has(id) || reservedIds.has(id));
    }
    reservedIds.add(id);
    try {
      const now = timestamp();
      const record: ModelRecord = {
        v: 1,
        id,
        ...(request.displayName ? { displayName: request.displayName } : {}),
        ...(request.description ? { description: request.description } : {}),
        baseModel: source ? source.baseModel : (baseModel?.name ?? ''),
        ...(source ? { sourceTunedModel: tunedModelName(source.id) } : {}),
        temperature: request.temperature ?? source?.temperature ?? baseModel?.temperature ?? 1,
        topP: request.topP ?? source?.topP ?? baseModel?.topP ?? 0.95,
        topK: request.topK ?? source?.topK ?? baseModel?.topK ?? 64,
        state: 'CREATING',
        createTime: now,
        updateTime: now,
        hyperparameters: request.hyperparameters,
        learningRate: request.learningRate,
        snapshots: [],
        ...(request.readerProjectNumbers?.length ? { readerProjectNumbers: request.readerProjectNumbers } : {}),
        operationId: randomId(12),
        totalSteps: request.totalSteps,
        exampleCount: request.examples.length,
        seed: Math.floor(Math.random() * 2 ** 31),
        permissions: [{ id: randomId(12), granteeType: 'USER', emailAddress: LOCAL_USER_EMAIL, role: 'OWNER' }],
        resumeCount: 0,
        ...(source ? { hasSourceWeights: true } : {}),
      };
      await store.create(record, request.examples, source ? store.fileOf(source.id, WEIGHTS_FILE) : undefined);
      tuning.start(record, request.examples);
      log(`[tuning] created tunedModels/${id}: ${request.examples.length} examples, ${record.totalSteps} steps`);
      sendJson(ctx, 200, toOperation(record));
    } finally {
      reservedIds.delete(id);
    }
  };

  const listTunedModels: Handler = async (ctx) => {
    const q = ctx.url.searchParams;
    const pageSize = parsePageSize(q.get('pageSize') ?? q.get('page_size'), 10, 1000);
    const filter = (q.get('filter') ?? '').trim();
    const accept = compileFilter(filter);
    const fingerprint = queryFingerprint(['tunedModels', filter]);
    const token = q.get('pageToken') ?? q.get('page_token');
    const cursor = token ? decodePageToken(token, fingerprint) : undefined;
    const { items, more } = store.page(cursor, pageSize, accept);
    const body: Obj = {};
    if (items.length > 0) body.tunedModels = items.map(toTunedModel);
    if (more) body.nextPageToken = encodePageToken(fingerprint, ModelStore.cursorOf(items[items.length - 1]));
    sendJson(ctx, 200, body);
  };

  const getTunedModel: Handler = async (ctx, route) => {
    sendJson(ctx, 200, toTunedModel(lookup(route.id)));
  };

  const patchTunedModel: Handler = async (ctx, route) => {
    const record = lookup(route.id);
    const body = normalizeMessage(await readJson(ctx), TUNED_MODEL_SCHEMA, 'tuned_model');
    const rawMask = ctx.url.searchParams.get('updateMask') ?? ctx.url.searchParams.get('update_mask');
    let fields: string[];
    if (rawMask === null || rawMask.trim() === '') {
      fields = MUTABLE_FIELDS.filter((f) => body[f] !== undefined);
    } else if (rawMask.trim() === '*') {
      fields = [...MUTABLE_FIELDS];
    } else {
      fields = rawMask.split(',').map((f) => snakeToCamel(f.trim()));
      for (const f of fields) {
        const top = f.split('.')[0];
        if (IMMUTABLE_FIELDS.includes(top)) {
          throw invalidField('updateMask', `names ${f}, which cannot be changed after creation; these fields can: ${MUTABLE_FIELDS.join(', ')}.`);
        }
        if (!(MUTABLE_FIELDS as readonly string[]).includes(f)) {
          throw invalidField('updateMask', `names ${f}, which is not a field of TunedModel that can be updated; these fields can: ${MUTABLE_FIELDS.join(', ')}.`);
        }
      }
    }
    const v = new Violations();
    const base = findBaseModel(record.baseModel);
    const next: Partial<ModelRecord> = {};
    for (const f of fields) {
      switch (f) {
        case 'displayName':
          next.displayName = checkDisplayName(v, body.displayName) || undefined;
          break;
        case 'description':
          next.description = readString(v, 'description', body.description) || undefined;
          break;
        case 'temperature': {
          const t = readNumber(v, 'temperature', body.temperature);
          checkRange(v, 'temperature', t, 0, 1);
          next.temperature = t ?? base?.temperature ?? 1;
          break;
        }
        case 'topP': {
          const p = readNumber(v, 'topP', body.topP);
          checkRange(v, 'topP', p, 0, 1);
          next.topP = p ?? base?.topP ?? 0.95;
          break;
        }
        case 'topK': {
          const k = readInteger(v, 'topK', body.topK);
          if (k !== undefined && k < 1) v.add('topK', `must be at least 1; got ${k}.`);
          next.topK = k ?? base?.topK ?? 64;
          break;
        }
        case 'readerProjectNumbers': {
          const list = (body.readerProjectNumbers as unknown[] | undefined) ?? [];
          const numbers: string[] = [];
          list.forEach((n, i) => {
            if ((typeof n === 'number' && Number.isInteger(n)) || (typeof n === 'string' && /^\d+$/.test(n))) numbers.push(String(n));
            else v.add(`readerProjectNumbers[${i}]`, `must be an int64 project number; got ${JSON.stringify(n)}.`);
          });
          next.readerProjectNumbers = numbers.length > 0 ? numbers : undefined;
          break;
        }
      }
    }
    v.throwIfAny();
    for (const [k, value] of Object.entries(next)) {
      if (value === undefined) delete (record as unknown as Obj)[k];
      else (record as unknown as Obj)[k] = value;
    }
    if (fields.length > 0) record.updateTime = timestamp();
    await store.save(record);
    sendJson(ctx, 200, toTunedModel(record));
  };

  const deleteTunedModel: Handler = async (ctx, route) => {
    const record = lookup(route.id);
    tuning.cancel(record.id);
    await store.delete(record.id);
    log(`[tuning] deleted tunedModels/${record.id}`);
    sendJson(ctx, 200, {});
  };

  const transferOwnership: Handler = async (ctx, route) => {
    const record = lookup(route.id);
    const body = normalizeMessage(await readJson(ctx), TRANSFER_OWNERSHIP_SCHEMA, '');
    const email = body.emailAddress;
    if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email)) {
      throw invalidField('emailAddress', `is required and must be an email address; got ${JSON.stringify(email)}.`);
    }
    const owner = record.permissions.find((p) => p.role === 'OWNER');
    if (owner?.emailAddress?.toLowerCase() === email.toLowerCase()) {
      throw failedPrecondition(`${email} already owns tunedModels/${record.id}.`, 'emailAddress');
    }
    if (owner) owner.role = 'WRITER';
    const existing = record.permissions.find((p) => p.emailAddress?.toLowerCase() === email.toLowerCase());
    if (existing) existing.role = 'OWNER';
    else record.permissions.push({ id: randomId(12), granteeType: granteeFor(email), emailAddress: email, role: 'OWNER' });
    record.updateTime = timestamp();
    await store.save(record);
    sendJson(ctx, 200, {});
  };

  // ── operations ────────────────────────────────────────────────────────────────────────
  const getOperation: Handler = async (ctx, route) => {
    const record = route.id !== undefined && isValidTunedModelId(route.id) ? store.get(route.id) : undefined;
    if (!record || record.operationId !== route.subId) {
      throw new ServerError('NOT_FOUND', `Operation tunedModels/${route.id ?? ''}/operations/${route.subId ?? ''} does not exist.`);
    }
    sendJson(ctx, 200, toOperation(record));
  };

  const listOperations: Handler = async (ctx, route) => {
    const record = lookup(route.id);
    const q = ctx.url.searchParams;
    const pageSize = parsePageSize(q.get('pageSize') ?? q.get('page_size'), 10, 1000);
    const filter = (q.get('filter') ?? '').trim().replace(/\s+/g, '');
    if (filter !== '' && filter !== 'done=true' && filter !== 'done=false') {
      throw invalidField('filter', `supports "done=true" and "done=false" only; got ${JSON.stringify(q.get('filter'))}.`);
    }
    const fingerprint = queryFingerprint(['operations', record.id, filter]);
    const token = q.get('pageToken') ?? q.get('page_token');
    const cursor = token ? decodePageToken(token, fingerprint) : undefined;
    const done = record.state !== 'CREATING';
    const matches = filter === '' || (filter === 'done=true') === done;
    const body: Obj = {};
    if (matches && cursor === undefined && pageSize > 0) body.operations = [toOperation(record)];
    sendJson(ctx, 200, body);
  };

  // ── permissions ───────────────────────────────────────────────────────────────────────
  function findPermission(record: ModelRecord, route: Route): PermissionRecord {
    const p = record.permissions.find((x) => x.id === route.subId);
    if (!p) throw new ServerError('NOT_FOUND', `Permission tunedModels/${record.id}/permissions/${route.subId ?? ''} does not exist.`);
    return p;
  }

  const createPermission: Handler = async (ctx, route) => {
    const record = lookup(route.id);
    const body = normalizeMessage(await readJson(ctx), PERMISSION_SCHEMA, 'permission');
    const v = new Violations();
    const role = body.role;
    if (role !== 'READER' && role !== 'WRITER') {
      v.add('role', role === 'OWNER' ? 'OWNER cannot be granted; use tunedModels.transferOwnership.' : `is required and must be READER or WRITER; got ${JSON.stringify(role)}.`);
    }
    const email = readString(v, 'emailAddress', body.emailAddress);
    let grantee = body.granteeType as string | undefined;
    if (grantee === undefined || grantee === 'GRANTEE_TYPE_UNSPECIFIED') grantee = email ? granteeFor(email) : undefined;
    if (grantee === undefined) v.add('granteeType', 'is required (USER, GROUP or EVERYONE) when emailAddress is not set.');
    else if (grantee !== 'USER' && grantee !== 'GROUP' && grantee !== 'EVERYONE') v.add('granteeType', `must be USER, GROUP or EVERYONE; got ${JSON.stringify(grantee)}.`);
    else if (grantee === 'EVERYONE' && email) v.add('emailAddress', 'must not be set when granteeType is EVERYONE.');
    else if (grantee === 'EVERYONE' && role === 'WRITER') v.add('role', 'EVERYONE can only be granted READER.');
    else if (grantee !== 'EVERYONE' && (!email || !/^[^@\s]+@[^@\s]+$/.test(email))) v.add('emailAddress', `is required for ${grantee} and must be an email address.`);
    v.throwIfAny();
    const duplicate = record.permissions.find((p) =>
      grantee === 'EVERYONE' ? p.granteeType === 'EVERYONE' : p.emailAddress?.toLowerCase() === email?.toLowerCase(),
    );
    if (duplicate) {
      throw new ServerError('ALREADY_EXISTS', `Permission for ${grantee === 'EVERYONE' ? 'EVERYONE' : email} already exists on tunedModels/${record.id}: tunedModels/${record.id}/permissions/${duplicate.id}.`);
    }
    const permission: PermissionRecord = {
      id: randomId(12),
      granteeType: grantee as PermissionRecord['granteeType'],
      ...(email ? { emailAddress: email } : {}),
      role: role as PermissionRecord['role'],
    };
    record.permissions.push(permission);
    await store.save(record);
    sendJson(ctx, 200, toPermission(record, permission));
  };

  const listPermissions: Handler = async (ctx, route) => {
    const record = lookup(route.id);
    const q = ctx.url.searchParams;
    const pageSize = parsePageSize(q.get('pageSize') ?? q.get('page_size'), 10, 1000);
    const fingerprint = queryFingerprint(['permissions', record.id]);
    const token = q.get('pageToken') ?? q.get('page_token');
    const cursor = token ? decodePageToken(token, fingerprint) : undefined;
    let start = 0;
    if (cursor !== undefined) {
      const i = record.permissions.findIndex((p) => p.id === cursor);
      start = i >= 0 ? i + 1 : record.permissions.length;
    }
    const items = record.permissions.slice(start, start + pageSize);
    const body: Obj = {};
    if (items.length > 0) body.permissions = items.map((p) => toPermission(record, p));
    if (start + pageSize < record.permissions.length) body.nextPageToken = encodePageToken(fingerprint, items[items.length - 1].id);
    sendJson(ctx, 200, body);
  };

  const getPermission: Handler = async (ctx, route) => {
    const record = lookup(route.id);
    sendJson(ctx, 200, toPermission(record, findPermission(record, route)));
  };

  const patchPermission: Handler = async (ctx, route) => {
    const record = lookup(route.id);
    const permission = findPermission(record, route);
    const body = normalizeMessage(await readJson(ctx), PERMISSION_SCHEMA, 'permission');
    const mask = (ctx.url.searchParams.get('updateMask') ?? ctx.url.searchParams.get('update_mask') ?? '').trim();
    if (mask === '') throw invalidField('updateMask', 'is required and must be "role".');
    const fields = mask.split(',').map((f) => snakeToCamel(f.trim()));
    const wrong = fields.find((f) => f !== 'role');
    if (wrong) throw invalidField('updateMask', `names ${wrong}; only role can be updated.`);
    if (body.role !== 'READER' && body.role !== 'WRITER') {
      throw invalidField('role', body.role === 'OWNER' ? 'OWNER cannot be granted; use tunedModels.transferOwnership.' : `must be READER or WRITER; got ${JSON.stringify(body.role)}.`);
    }
    if (permission.role === 'OWNER') throw failedPrecondition("The owner's role cannot be changed; use tunedModels.transferOwnership.", 'role');
    if (permission.granteeType === 'EVERYONE' && body.role === 'WRITER') throw invalidField('role', 'EVERYONE can only be granted READER.');
    permission.role = body.role;
    await store.save(record);
    sendJson(ctx, 200, toPermission(record, permission));
  };

  const deletePermission: Handler = async (ctx, route) => {
    const record = lookup(route.id);
    const permission = findPermission(record, route);
    if (permission.role === 'OWNER') throw failedPrecondition("The owner's permission cannot be deleted; use tunedModels.transferOwnership first.");
    record.permissions = record.permissions.filter((p) => p !== permission);
    await store.save(record);
    sendJson(ctx, 200, {});
  };

  // ── base models ───────────────────────────────────────────────────────────────────────
  const listModels: Handler = async (ctx) => {
    const q = ctx.url.searchParams;
    const pageSize = parsePageSize(q.get('pageSize') ?? q.get('page_size'), 50, 1000);
    const fingerprint = queryFingerprint(['models']);
    const token = q.get('pageToken') ?? q.get('page_token');
    const cursor = token ? decodePageToken(token, fingerprint) : undefined;
    const start = cursor === undefined ? 0 : BASE_MODELS.findIndex((m) => m.name === cursor) + 1;
    const items = BASE_MODELS.slice(start, start + pageSize);
    const body: Obj = { models: items };
    if (start + pageSize < BASE_MODELS.length) body.nextPageToken = encodePageToken(fingerprint, items[items.length - 1].name);
    sendJson(ctx, 200, body);
  };

  function baseModelNotFound(name: string): ServerError {
    return new ServerError(
      'NOT_FOUND',
      `${name} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
    );
  }

  const getModel: Handler = async (ctx, route) => {
    const name = `models/${route.id ?? ''}`;
    const model = findBaseModel(name);
    if (!model) throw baseModelNotFound(name);
    sendJson(ctx, 200, model);
  };

  // ── generation ────────────────────────────────────────────────────────────────────────
  async function prepareGeneration(ctx: Ctx, route: Route): Promise<{ model: GenerationModel; plan: GenerationPlan; version: string }> {
    let defaults: { temperature: number; topP: number; topK: number; maxOutputTokens: number };
    let load: () => Promise<GenerationModel>;
    let version: string;
    if (route.collection === 'models') {
      const name = `models/${route.id ?? ''}`;
      const base = findBaseModel(name);
      if (!base) throw baseModelNotFound(name);
      defaults = { temperature: base.temperature ?? 1, topP: base.topP ?? 0.95, topK: base.topK ?? 64, maxOutputTokens: base.outputTokenLimit ?? 8192 };
      load = async () => tuning.baseModel();
      version = base.baseModelId ?? name;
    } else {
      const record = lookup(route.id);
      if (record.state !== 'ACTIVE') {
        throw failedPrecondition(`Tuned model tunedModels/${record.id} is ${record.state}, not ACTIVE; it can serve generateContent only when tuning has finished successfully.`);
      }
      const base = findBaseModel(record.baseModel);
      defaults = { temperature: record.temperature, topP: record.topP, topK: record.topK, maxOutputTokens: base?.outputTokenLimit ?? 8192 };
      load = () => tuning.model(record);
      version = tunedModelName(record.id);
    }
    const body = normalizeMessage(await readJson(ctx), GENERATE_CONTENT_SCHEMA, '');
    const plan = planGeneration(body, defaults);
    let model: GenerationModel;
    try {
      model = await load();
    } catch (e) {
      throw new ServerError('INTERNAL', `The weights of ${version} could not be loaded: ${(e as Error).message}`);
    }
    return { model, plan, version };
  }

  const generateContent: Handler = async (ctx, route) => {
    const { model, plan, version } = await prepareGeneration(ctx, route);
    if (ctx.faults.some((f) => f.action === 'cutStream')) {
      ctx.res.socket?.destroy();
      return;
    }
    const inBand = ctx.faults.find((f) => f.action === 'inBandError');
    if (inBand && inBand.action === 'inBandError') throw faultError(inBand.status);
    const builder = new ResponseBuilder(model, plan, version);
    const finished: (FinishReason | undefined)[] = [];
    let n = 0;
    for (const chunk of runCandidates(model, plan)) {
      builder.absorb(chunk, finished);
      if (++n % 16 === 0) await new Promise((r) => setImmediate(r));
      if (ctx.res.destroyed) return;
    }
    sendJson(ctx, 200, builder.whole(finished));
  };

  const streamGenerateContent: Handler = async (ctx, route) => {
    const { model, plan, version } = await prepareGeneration(ctx, route);
    const sse = ctx.url.searchParams.get('alt') === 'sse';
    const res = ctx.res;
    let cutAfter: number | undefined;
    let errorAfter: { after: number; status: number } | undefined;
    let chunkDelay = 0;
    for (const f of ctx.faults) {
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
    // With a cut pending, each write waits until its bytes reached the socket, so a cut after K
    // chunks really delivers K chunks; otherwise only backpressure makes a stream wait.
    const write = (text: string): Promise<void> =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        if (cutAfter !== undefined) {
          res.write(text, () => resolve());
        } else if (res.write(text)) {
          resolve();
        } else {
          const done = (): void => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        }
      });
    const builder = new ResponseBuilder(model, plan, version);
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
    for (const chunk of runCandidates(model, plan)) {
      if (closed) return;
      const response: GenerateContentResponse = builder.chunk(chunk);
      if (!response.candidates || response.candidates.length === 0) continue;
      if (chunkDelay > 0) await sleep(chunkDelay);
      else await new Promise((r) => setImmediate(r));
      if (closed) return;
      await write(frame(response));
      sent++;
      if (await interrupt()) return;
    }
    if (closed) return;
    if (sent === 0) await write(frame(builder.chunk({ deltas: [''], finished: ['STOP'] })));
    if (!sse) await write(']');
    res.end();
  };

  // ── fault control ─────────────────────────────────────────────────────────────────────
  async function handleFaults(ctx: Ctx): Promise<void> {
    if (!faults || ctx.url.pathname !== '/_faults') throw notFoundRoute(ctx.method, ctx.url.pathname);
    if (ctx.method === 'GET') return sendJson(ctx, 200, { rules: faults.list() });
    if (ctx.method === 'DELETE') {
      faults.clear();
      return sendJson(ctx, 200, {});
    }
    if (ctx.method === 'POST') {
      const body = (await readJson(ctx)) as Obj;
      if (!Array.isArray(body?.rules)) throw invalidField('rules', 'is required: an array of fault rules.');
      const rules = body.rules.map((r, i) => parseRule(r, i));
      faults.add(rules);
      return sendJson(ctx, 200, { rules: faults.list() });
    }
    throw notFoundRoute(ctx.method, ctx.url.pathname);
  }

  function pick(route: Route, method: string): Handler | string[] {
    const table: Record<string, Handler> = {};
    if (route.collection === 'models') {
      if (route.id === undefined && !route.verb) table.GET = listModels;
      else if (route.id !== undefined && !route.verb) table.GET = getModel;
      else if (route.id !== undefined && route.verb === 'generateContent') table.POST = generateContent;
      else if (route.id !== undefined && route.verb === 'streamGenerateContent') table.POST = streamGenerateContent;
    } else if (route.id === undefined) {
      if (!route.verb) Object.assign(table, { GET: listTunedModels, POST: createTunedModel });
    } else if (route.sub === undefined) {
      if (!route.verb) Object.assign(table, { GET: getTunedModel, PATCH: patchTunedModel, DELETE: deleteTunedModel });
      else if (route.verb === 'generateContent') table.POST = generateContent;
      else if (route.verb === 'streamGenerateContent') table.POST = streamGenerateContent;
      else if (route.verb === 'transferOwnership') table.POST = transferOwnership;
    } else if (route.sub === 'operations' && !route.verb) {
      if (route.subId === undefined) table.GET = listOperations;
      else table.GET = getOperation;
    } else if (route.sub === 'permissions' && !route.verb) {
      if (route.subId === undefined) Object.assign(table, { GET: listPermissions, POST: createPermission });
      else Object.assign(table, { GET: getPermission, PATCH: patchPermission, DELETE: deletePermission });
    }
    return table[method] ?? Object.keys(table);
  }

  async function handle(ctx: Ctx): Promise<void> {
    const { method, url } = ctx;
    if (url.pathname === '/_faults' || url.pathname.startsWith('/_faults/')) return handleFaults(ctx);
    ctx.faults = faults ? faults.take(method, url.pathname) : [];
    for (const f of ctx.faults) if (f.action === 'delayHeaders') await sleep(f.ms);
    const status = ctx.faults.find((f) => f.action === 'status');
    if (status && status.action === 'status') throw faultError(status.status, status.retryDelay);
    if (apiKey !== undefined) {
      const denied = checkApiKey(ctx.req, url, apiKey);
      if (denied) throw denied;
    }
    const route = parseRoute(url.pathname);
    if (!route) throw notFoundRoute(method, url.pathname);
    // Tuned model ids are checked before anything else looks at them.
    if (route.collection === 'tunedModels' && route.id !== undefined && !isValidTunedModelId(route.id)) {
      if (route.sub === 'operations' && route.subId !== undefined) {
        throw new ServerError('NOT_FOUND', `Operation tunedModels/${route.id}/operations/${route.subId} does not exist.`);
      }
      throw tunedModelNotFound(tunedModelName(route.id));
    }
    if (url.pathname.startsWith('/v1/') && method !== 'GET') throw notFoundRoute(method, url.pathname);
    const handler = pick(route, method);
    if (Array.isArray(handler)) {
      if (handler.length === 0) throw notFoundRoute(method, url.pathname);
      ctx.res.setHeader('Allow', handler.join(', '));
      throw new ServerError('NOT_FOUND', `${method} is not supported for ${url.pathname}; use ${handler.join(' or ')}.`);
    }
    await handler(ctx, route);
  }

  return (req, res) => {
    const started = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      url = new URL('http://localhost/');
    }
    const ctx: Ctx = { req, res, method, url, pretty: url.searchParams.get('prettyPrint') !== 'false', faults: [] };
    handle(ctx)
      .catch((e: unknown) => {
        const error = e instanceof ServerError ? e : new ServerError('INTERNAL', 'Internal error encountered.');
        if (!(e instanceof ServerError)) log(`[http] ${method} ${url.pathname} failed: ${(e as Error)?.stack ?? String(e)}`);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (error.message.startsWith('Request payload size exceeds')) res.setHeader('Connection', 'close');
        sendError(ctx, error);
        if (error.message.startsWith('Request payload size exceeds')) req.destroy();
      })
      .finally(() => {
        // The path only: the query may carry the API key.
        log(`[http] ${method} ${url.pathname} ${res.statusCode} ${Date.now() - started}ms`);
      });
  };
}

function granteeFor(email: string): 'USER' | 'GROUP' {
  return email.toLowerCase().endsWith('googlegroups.com') ? 'GROUP' : 'USER';
}

/**
 * List filter: free-text words (all must appear, case-insensitively, in displayName or
 * description; "quoted phrases" allowed) plus the operators owner:me, writers:me, readers:me and
 * readers:everyone. Without readers:everyone, models are listed when the local user holds a role.
 */
export function compileFilter(filter: string): (r: ModelRecord) => boolean {
  const tokens = filter.match(/"[^"]*"|\S+/g) ?? [];
  const terms: string[] = [];
  const operators: string[] = [];
  for (const token of tokens) {
    const lower = token.toLowerCase();
    if (/^(owner|writers|readers):/.test(lower)) {
      if (!['owner:me', 'writers:me', 'readers:me', 'readers:everyone'].includes(lower)) {
        throw invalidField('filter', `supports owner:me, writers:me, readers:me and readers:everyone; got "${token}".`);
      }
      operators.push(lower);
    } else {
      terms.push(lower.replace(/^"|"$/g, ''));
    }
  }
  const me = LOCAL_USER_EMAIL;
  const roleOf = (r: ModelRecord): string | undefined => r.permissions.find((p) => p.emailAddress === me)?.role;
  return (r) => {
    const role = roleOf(r);
    for (const op of operators) {
      if (op === 'owner:me' && role !== 'OWNER') return false;
      if (op === 'writers:me' && role !== 'OWNER' && role !== 'WRITER') return false;
      if (op === 'readers:me' && role === undefined) return false;
      if (op === 'readers:everyone' && !r.permissions.some((p) => p.granteeType === 'EVERYONE')) return false;
    }
    if (!operators.includes('readers:everyone') && role === undefined) return false;
    if (terms.length === 0) return true;
    const text = `${r.displayName ?? ''}\n${r.description ?? ''}`.toLowerCase();
    return terms.every((t) => text.includes(t));
  };
}
