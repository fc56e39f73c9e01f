import { tunedModelNotFound } from '../httpErrors';
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
