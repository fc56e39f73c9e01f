import type { Model } from '../../core/api/types';
import { type Exchange, readJson, sendJson } from '../exchange';
import { ServerError, failedPrecondition, invalidField } from '../httpErrors';
import { LOCAL_USER_EMAIL, compileFilter } from '../listFilter';
import { PageRequest, pageBody } from '../pagination';
import type { ModelRecord } from '../records';
import { findBaseModel, toOperation, toTunedModel, tunedModelName } from '../resources';
import { checkDisplayName, checkRange, readInteger, readNumber, readString, validateCreate, Violations } from '../requestValidation';
import type { ApiPath, Route } from '../routing';
import { ModelStore, WEIGHTS_FILE } from '../store';
import type { TuningService } from '../tuningService';
import { TRANSFER_OWNERSHIP_SCHEMA, TUNED_MODEL_SCHEMA, idFromDisplayName, isValidTunedModelId, normalizeMessage, queryParam, randomId, snakeToCamel, timestamp } from '../wire';
import { granteeFor } from './permissions';
import { findTunedModel, requireOwner } from './tunedModelLookup';
import { newTrainingSeed } from '../trainingSeed';

export interface TunedModelDeps {
  store: ModelStore;
  tuning: TuningService;
  log: (line: string) => void;
}

const MUTABLE_FIELDS = ['displayName', 'description', 'temperature', 'topP', 'topK', 'readerProjectNumbers'] as const;
const IMMUTABLE_FIELDS = ['name', 'baseModel', 'tunedModelSource', 'state', 'createTime', 'updateTime', 'tuningTask'];

/** tunedModels.create, list, get, patch, delete and transferOwnership. */
export function tunedModelRoutes(deps: TunedModelDeps): Route[] {
  // Ids of creates still writing to disk, so two creates never take the same id.
  const reservedIds = new Set<string>();
  return [
    { method: 'GET', pattern: 'tunedModels', handle: (ex) => listTunedModels(deps, ex) },
    { method: 'POST', pattern: 'tunedModels', handle: (ex) => createTunedModel(deps, reservedIds, ex) },
    { method: 'GET', pattern: 'tunedModels/*', handle: async (ex, path) => sendJson(ex, 200, toTunedModel(findTunedModel(deps.store, path.id))) },
    { method: 'PATCH', pattern: 'tunedModels/*', handle: (ex, path) => patchTunedModel(deps, ex, path) },
    { method: 'DELETE', pattern: 'tunedModels/*', handle: (ex, path) => deleteTunedModel(deps, ex, path) },
    { method: 'POST', pattern: 'tunedModels/*:transferOwnership', handle: (ex, path) => transferOwnership(deps, ex, path) },
  ];
}

async function createTunedModel({ store, tuning, log }: TunedModelDeps, reservedIds: Set<string>, ex: Exchange): Promise<void> {
  const body = normalizeMessage(await readJson(ex), TUNED_MODEL_SCHEMA, 'tuned_model');
  const request = validateCreate(body, queryParam(ex.url.searchParams, 'tunedModelId'));
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
      seed: newTrainingSeed(),
      permissions: [{ id: randomId(12), granteeType: 'USER', emailAddress: LOCAL_USER_EMAIL, role: 'OWNER' }],
      resumeCount: 0,
      ...(source ? { hasSourceWeights: true } : {}),
    };
    await store.exclusive(id, 'create', async () => {
      // A delete that finished while this create waited its turn cannot have left the id taken, but a create of the same id can have.
      if (store.has(id)) throw new ServerError('ALREADY_EXISTS', `Tuned model tunedModels/${id} already exists.`);
      await store.create(record, request.examples, source ? store.fileOf(source.id, WEIGHTS_FILE) : undefined);
      tuning.start(record, request.examples);
    });
    log(`[tuning] created tunedModels/${id}: ${request.examples.length} examples, ${record.totalSteps} steps`);
    sendJson(ex, 200, toOperation(record));
  } finally {
    reservedIds.delete(id);
  }
}

async function listTunedModels({ store }: TunedModelDeps, ex: Exchange): Promise<void> {
  const q = ex.url.searchParams;
  const paging = PageRequest.read(q, 10);
  const filter = (q.get('filter') ?? '').trim();
  const accept = compileFilter(filter);
  const cursor = paging.resumeAfter(['tunedModels', filter]);
  const { items, more } = store.page(cursor, paging.size, accept);
  sendJson(ex, 200, pageBody('tunedModels', paging.page(items, more, ModelStore.cursorOf), toTunedModel));
}

/** The fields a PATCH changes: those its update mask names, or without a mask those its body sets. */
function fieldsToUpdate(rawMask: string | null, body: Record<string, unknown>): string[] {
  if (rawMask === null || rawMask.trim() === '') return MUTABLE_FIELDS.filter((f) => body[f] !== undefined);
  if (rawMask.trim() === '*') return [...MUTABLE_FIELDS];
  const fields = rawMask.split(',').map((f) => snakeToCamel(f.trim()));
  for (const f of fields) {
    const top = f.split('.')[0];
    if (IMMUTABLE_FIELDS.includes(top)) {
      throw invalidField('updateMask', `names ${f}, which cannot be changed after creation; these fields can: ${MUTABLE_FIELDS.join(', ')}.`);
    }
    if (!(MUTABLE_FIELDS as readonly string[]).includes(f)) {
      throw invalidField('updateMask', `names ${f}, which is not a field of TunedModel that can be updated; these fields can: ${MUTABLE_FIELDS.join(', ')}.`);
    }
  }
  return fields;
}

async function patchTunedModel({ store }: TunedModelDeps, ex: Exchange, path: ApiPath): Promise<void> {
  const record = findTunedModel(store, path.id);
  const body = normalizeMessage(await readJson(ex), TUNED_MODEL_SCHEMA, 'tuned_model');
  const fields = fieldsToUpdate(queryParam(ex.url.searchParams, 'updateMask'), body);
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
  const updateTime = timestamp();
  await store.update(record, (draft) => {
    const fieldsOfRecord = draft as unknown as Record<string, unknown>;
    for (const [k, value] of Object.entries(next)) {
      if (value === undefined) delete fieldsOfRecord[k];
      else fieldsOfRecord[k] = value;
    }
    if (fields.length > 0) draft.updateTime = updateTime;
  });
  sendJson(ex, 200, toTunedModel(record));
}

async function deleteTunedModel({ store, tuning, log }: TunedModelDeps, ex: Exchange, path: ApiPath): Promise<void> {
  const id = findTunedModel(store, path.id).id;
  // Looked up again when its turn comes: an earlier delete may have removed the model, and a
  // create may have made a new one of the same id, which this request never saw.
  await store.exclusive(id, 'delete', async () => {
    const record = findTunedModel(store, id);
    requireOwner(record, 'delete');
    await tuning.cancel(id);
    await store.delete(record);
  });
  log(`[tuning] deleted tunedModels/${id}`);
  sendJson(ex, 200, {});
}

async function transferOwnership({ store }: TunedModelDeps, ex: Exchange, path: ApiPath): Promise<void> {
  const record = findTunedModel(store, path.id);
  const body = normalizeMessage(await readJson(ex), TRANSFER_OWNERSHIP_SCHEMA, '');
  const email = body.emailAddress;
  if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email)) {
    throw invalidField('emailAddress', `is required and must be an email address; got ${JSON.stringify(email)}.`);
  }
  requireOwner(record, 'transfer the ownership of');
  const owner = record.permissions.find((p) => p.role === 'OWNER');
  if (owner?.emailAddress?.toLowerCase() === email.toLowerCase()) {
    throw failedPrecondition(`${email} already owns tunedModels/${record.id}.`, 'emailAddress');
  }
  const updateTime = timestamp();
  const newPermissionId = randomId(12);
  await store.update(record, (draft) => {
    const formerOwner = draft.permissions.find((p) => p.role === 'OWNER');
    if (formerOwner) formerOwner.role = 'WRITER';
    const existing = draft.permissions.find((p) => p.emailAddress?.toLowerCase() === email.toLowerCase());
    if (existing) existing.role = 'OWNER';
    else draft.permissions.push({ id: newPermissionId, granteeType: granteeFor(email), emailAddress: email, role: 'OWNER' });
    draft.updateTime = updateTime;
  });
  sendJson(ex, 200, {});
}
