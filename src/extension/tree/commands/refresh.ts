import { type TunedModelsStore } from '../../tunedModelsStore';

export interface RefreshDeps {
  readonly store: TunedModelsStore;
}

/** Reloads the models; a failed list is an error the person sees, not only an empty view. */
export async function refreshModels(deps: RefreshDeps): Promise<void> {
  await deps.store.refresh();
  if (deps.store.status.kind === 'error') throw deps.store.status.error;
}
