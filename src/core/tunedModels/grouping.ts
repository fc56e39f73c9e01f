import { type TunedModelInfo, type TuningState } from '../tuning/model';

export type GroupId = 'creating' | 'active' | 'failed' | 'cancelled';

export interface ModelGroup {
  readonly id: GroupId;
  readonly label: string;
  readonly models: readonly TunedModelInfo[];
}

const GROUPS: ReadonlyArray<{ id: GroupId; label: string }> = [
  { id: 'creating', label: 'Creating' },
  { id: 'active', label: 'Active' },
  { id: 'failed', label: 'Failed' },
  { id: 'cancelled', label: 'Cancelled' },
];

/** The group a model is shown in. A model without a known state is still being set up. */
export function groupOf(state: TuningState): GroupId {
  switch (state) {
    case 'active':
      return 'active';
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'cancelled';
    default:
      return 'creating';
  }
}

/**
 * Splits models into Creating, Active, Failed and Cancelled. Empty groups are left out, always: a group
 * with nothing in it is noise in a sidebar. Within a group the newest model comes first.
 */
export function groupModels(models: readonly TunedModelInfo[]): ModelGroup[] {
  const buckets: Record<GroupId, TunedModelInfo[]> = { creating: [], active: [], failed: [], cancelled: [] };
  for (const model of models) buckets[groupOf(model.state)].push(model);
  return GROUPS.filter((g) => buckets[g.id].length > 0).map((g) => ({
    id: g.id,
    label: g.label,
    models: buckets[g.id].sort(newestFirst),
  }));
}

function newestFirst(a: TunedModelInfo, b: TunedModelInfo): number {
  const at = a.createTime ?? '';
  const bt = b.createTime ?? '';
  if (at !== bt) return at < bt ? 1 : -1;
  return (a.name ?? '').localeCompare(b.name ?? '');
}
