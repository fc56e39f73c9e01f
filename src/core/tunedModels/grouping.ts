import { type State, type TunedModel } from '../api/types';

export type GroupId = 'creating' | 'active' | 'failed';

export interface ModelGroup {
  readonly id: GroupId;
  readonly label: string;
  readonly models: readonly TunedModel[];
}

const GROUPS: ReadonlyArray<{ id: GroupId; label: string }> = [
  { id: 'creating', label: 'Creating' },
  { id: 'active', label: 'Active' },
  { id: 'failed', label: 'Failed' },
];

/** The group a model is shown in. A model without a known state is still being set up. */
export function groupOf(state: State | undefined): GroupId {
  switch (state) {
    case 'ACTIVE':
      return 'active';
    case 'FAILED':
      return 'failed';
    default:
      return 'creating';
  }
}

/**
 * Splits models into Creating, Active and Failed. Empty groups are left out, always: a group
 * with nothing in it is noise in a sidebar. Within a group the newest model comes first.
 */
export function groupModels(models: readonly TunedModel[]): ModelGroup[] {
  const buckets: Record<GroupId, TunedModel[]> = { creating: [], active: [], failed: [] };
  for (const model of models) buckets[groupOf(model.state)].push(model);
  return GROUPS.filter((g) => buckets[g.id].length > 0).map((g) => ({
    id: g.id,
    label: g.label,
    models: buckets[g.id].sort(newestFirst),
  }));
}

function newestFirst(a: TunedModel, b: TunedModel): number {
  const at = a.createTime ?? '';
  const bt = b.createTime ?? '';
  if (at !== bt) return at < bt ? 1 : -1;
  return (a.name ?? '').localeCompare(b.name ?? '');
}
