import { ServerError, tunedModelNotFound } from '../httpErrors';
import { LOCAL_USER_EMAIL } from '../listFilter';
import type { ModelRecord } from '../records';
import { tunedModelName } from '../resources';
import type { ModelStore } from '../store';
import { isValidTunedModelId } from '../wire';

/** The record of `tunedModels/{id}`, or the API's NOT_FOUND. */
export function findTunedModel(store: ModelStore, id: string | undefined): ModelRecord {
  const record = id !== undefined && isValidTunedModelId(id) ? store.get(id) : undefined;
  if (!record) throw tunedModelNotFound(tunedModelName(id ?? ''));
  return record;
}

/**
 * permission.proto: only an OWNER may delete a model or transfer its ownership. The local server
 * acts as its one user, so once ownership has moved to someone else that user is a WRITER and is
 * refused, as the real API refuses a former owner. A record that names no owner at all predates
 * ownership and stays the local user's.
 */
export function requireOwner(record: ModelRecord, action: 'delete' | 'transfer the ownership of'): void {
  const owner = record.permissions.find((p) => p.role === 'OWNER');
  if (!owner || owner.emailAddress?.toLowerCase() === LOCAL_USER_EMAIL) return;
  const mine = record.permissions.find((p) => p.emailAddress?.toLowerCase() === LOCAL_USER_EMAIL);
  throw new ServerError(
    'PERMISSION_DENIED',
    `You do not have permission to ${action} tuned model ${tunedModelName(record.id)}: only its OWNER (${owner.emailAddress ?? owner.granteeType}) may, and ${LOCAL_USER_EMAIL} is ${mine ? `a ${mine.role}` : 'not a grantee'}. Ask the owner to do it, or to transfer the ownership back.`,
  );
}
