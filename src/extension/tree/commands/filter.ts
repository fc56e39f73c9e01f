import { ApiError } from '../../../core/api/errors';
import { type TunedModelsStore } from '../../tunedModelsStore';
import { type Prompts } from '../../ui/prompts';

export interface FilterDeps {
  readonly store: TunedModelsStore;
  readonly prompts: Prompts;
}

/** Sets the list filter, asking for it unless given; resolves with the filter in force. */
export async function filterModels(deps: FilterDeps, value?: unknown): Promise<string> {
  const { store } = deps;
  let next = typeof value === 'string' ? value : undefined;
  if (next === undefined) {
    next = await deps.prompts.input({
      title: 'Filter Tuned Models',
      prompt: 'Words from the display name or description, owner:me, or readers:everyone. Empty clears the filter.',
      value: store.filter,
      placeHolder: 'e.g. translator   or   owner:me   or   readers:everyone',
    });
  }
  if (next === undefined) return store.filter;
  const previous = store.filter;
  await store.setFilter(next);
  if (store.status.kind === 'error' && store.status.error instanceof ApiError && store.status.error.httpStatus === 400) {
    // A filter the API refuses would leave an empty view; keep the one that worked and say why.
    const refused = store.status.error;
    await store.setFilter(previous);
    throw refused;
  }
  return store.filter;
}
