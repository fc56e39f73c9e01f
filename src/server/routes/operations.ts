import { type Exchange, readJson, sendJson } from '../exchange';
import { ServerError, invalidField } from '../httpErrors';
import { PageRequest, pageBody } from '../pagination';
import { toOperation } from '../resources';
import type { ApiPath, Route } from '../routing';
import type { ModelStore } from '../store';
import type { TuningService } from '../tuningService';
import { CANCEL_OPERATION_SCHEMA, isValidTunedModelId, normalizeMessage } from '../wire';
import type { ModelRecord } from '../records';
import { findTunedModel } from './tunedModelLookup';

export interface OperationDeps {
  store: ModelStore;
  tuning: TuningService;
}

/** The long-running operations of tunedModels.create: one per model. v1 also binds cancel. */
export function operationRoutes(deps: OperationDeps): Route[] {
  return [
    { method: 'GET', pattern: 'tunedModels/*/operations', versions: ['v1beta', 'v1'], handle: (ex, path) => listOperations(deps, ex, path) },
    { method: 'GET', pattern: 'tunedModels/*/operations/*', versions: ['v1beta', 'v1'], handle: (ex, path) => getOperation(deps, ex, path) },
    { method: 'POST', pattern: 'tunedModels/*/operations/*:cancel', versions: ['v1'], handle: (ex, path) => cancelOperation(deps, ex, path) },
  ];
}

export function operationNotFound(path: ApiPath): ServerError {
  return new ServerError('NOT_FOUND', `Operation tunedModels/${path.id ?? ''}/operations/${path.subId ?? ''} does not exist.`);
}

function findOperation(store: ModelStore, path: ApiPath): ModelRecord {
  const record = path.id !== undefined && isValidTunedModelId(path.id) ? store.get(path.id) : undefined;
  if (!record || record.operationId !== path.subId) throw operationNotFound(path);
  return record;
}

async function getOperation({ store }: OperationDeps, ex: Exchange, path: ApiPath): Promise<void> {
  sendJson(ex, 200, toOperation(findOperation(store, path)));
}

/** Best effort, as google.longrunning says: a finished operation is left as it is. The body is CancelOperationRequest, whose only field comes from the path. */
async function cancelOperation({ store, tuning }: OperationDeps, ex: Exchange, path: ApiPath): Promise<void> {
  const record = findOperation(store, path);
  normalizeMessage(await readJson(ex), CANCEL_OPERATION_SCHEMA, '');
  await tuning.cancelJob(record);
  sendJson(ex, 200, {});
}

async function listOperations({ store }: OperationDeps, ex: Exchange, path: ApiPath): Promise<void> {
  const record = findTunedModel(store, path.id);
  const q = ex.url.searchParams;
  const paging = PageRequest.read(q, 10);
  const filter = (q.get('filter') ?? '').trim().replace(/\s+/g, '');
  if (filter !== '' && filter !== 'done=true' && filter !== 'done=false') {
    throw invalidField('filter', `supports "done=true" and "done=false" only; got ${JSON.stringify(q.get('filter'))}.`);
  }
  const cursor = paging.resumeAfter(['operations', record.id, filter]);
  const done = record.state !== 'CREATING';
  const matching = filter === '' || (filter === 'done=true') === done ? [record] : [];
  sendJson(ex, 200, pageBody('operations', paging.slice(matching, cursor, (r) => r.operationId), toOperation));
}
