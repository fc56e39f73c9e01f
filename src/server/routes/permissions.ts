import { type Exchange, readJson, sendJson } from '../exchange';
import { ServerError, failedPrecondition, invalidField } from '../httpErrors';
import { PageRequest, pageBody } from '../pagination';
import type { ModelRecord, PermissionRecord } from '../records';
import { toPermission } from '../resources';
import { readString, Violations } from '../requestValidation';
import type { ApiPath, Route } from '../routing';
import type { ModelStore } from '../store';
import { PERMISSION_SCHEMA, normalizeMessage, queryParam, randomId, snakeToCamel } from '../wire';
import { findTunedModel } from './tunedModelLookup';

export interface PermissionDeps {
  store: ModelStore;
}

/** tunedModels.permissions: recorded and validated; the local server has one user, so nothing enforces them. */
export function permissionRoutes(deps: PermissionDeps): Route[] {
  return [
    { method: 'GET', pattern: 'tunedModels/*/permissions', handle: (ex, path) => listPermissions(deps, ex, path) },
    { method: 'POST', pattern: 'tunedModels/*/permissions', handle: (ex, path) => createPermission(deps, ex, path) },
    { method: 'GET', pattern: 'tunedModels/*/permissions/*', handle: (ex, path) => getPermission(deps, ex, path) },
    { method: 'PATCH', pattern: 'tunedModels/*/permissions/*', handle: (ex, path) => patchPermission(deps, ex, path) },
    { method: 'DELETE', pattern: 'tunedModels/*/permissions/*', handle: (ex, path) => deletePermission(deps, ex, path) },
  ];
}

/** An email under googlegroups.com names a group. */
export function granteeFor(email: string): 'USER' | 'GROUP' {
  return email.toLowerCase().endsWith('googlegroups.com') ? 'GROUP' : 'USER';
}

function findPermission(record: ModelRecord, path: ApiPath): PermissionRecord {
  const p = record.permissions.find((x) => x.id === path.subId);
  if (!p) throw new ServerError('NOT_FOUND', `Permission tunedModels/${record.id}/permissions/${path.subId ?? ''} does not exist.`);
  return p;
}

async function createPermission({ store }: PermissionDeps, ex: Exchange, path: ApiPath): Promise<void> {
  const record = findTunedModel(store, path.id);
  const body = normalizeMessage(await readJson(ex), PERMISSION_SCHEMA, 'permission');
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
  sendJson(ex, 200, toPermission(record, permission));
}

async function listPermissions({ store }: PermissionDeps, ex: Exchange, path: ApiPath): Promise<void> {
  const record = findTunedModel(store, path.id);
  const paging = PageRequest.read(ex.url.searchParams, 10);
  const cursor = paging.resumeAfter(['permissions', record.id]);
  const page = paging.slice(record.permissions, cursor, (p) => p.id);
  sendJson(ex, 200, pageBody('permissions', page, (p) => toPermission(record, p)));
}

async function getPermission({ store }: PermissionDeps, ex: Exchange, path: ApiPath): Promise<void> {
  const record = findTunedModel(store, path.id);
  sendJson(ex, 200, toPermission(record, findPermission(record, path)));
}

async function patchPermission({ store }: PermissionDeps, ex: Exchange, path: ApiPath): Promise<void> {
  const record = findTunedModel(store, path.id);
  const permission = findPermission(record, path);
  const body = normalizeMessage(await readJson(ex), PERMISSION_SCHEMA, 'permission');
  const mask = (queryParam(ex.url.searchParams, 'updateMask') ?? '').trim();
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
  sendJson(ex, 200, toPermission(record, permission));
}

async function deletePermission({ store }: PermissionDeps, ex: Exchange, path: ApiPath): Promise<void> {
  const record = findTunedModel(store, path.id);
  const permission = findPermission(record, path);
  if (permission.role === 'OWNER') throw failedPrecondition("The owner's permission cannot be deleted; use tunedModels.transferOwnership first.");
  record.permissions = record.permissions.filter((p) => p !== permission);
  await store.save(record);
  sendJson(ex, 200, {});
}
