import { type FilterDeps, filterModels } from './filter';

export function clearFilter(deps: FilterDeps): Promise<string> {
  return filterModels(deps, '');
}
