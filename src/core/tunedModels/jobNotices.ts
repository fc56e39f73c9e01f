import { type TunedModelInfo, type TuningState } from '../tuning/model';
import { modelLabel } from './presentation';

/** Jobs that end in the same reload each get their own notification up to this many; the rest share one. */
export const INDIVIDUAL_NOTICE_LIMIT = 3;

export interface FinishedJob {
  readonly model: TunedModelInfo;
  readonly previous: TuningState | undefined;
}

export type JobNotice =
  | { readonly kind: 'ready'; readonly name: string; readonly label: string }
  | { readonly kind: 'failed'; readonly name: string; readonly label: string; readonly reason?: string }
  | {
      readonly kind: 'summary';
      /** The models the summary stands for, in the order they finished. */
      readonly names: readonly string[];
      readonly active: number;
      readonly failed: number;
      readonly message: string;
    };

/**
 * What to tell people about the state changes of one reload: a notification per job that ended
 * (CREATING → ACTIVE or FAILED) up to `limit`, then one summary for the rest. Failures take the
 * individual notices first, since each carries its own reason.
 */
export function planJobNotices(
  changes: readonly FinishedJob[],
  reasonOf: (name: string) => string | undefined,
  limit = INDIVIDUAL_NOTICE_LIMIT,
): JobNotice[] {
  const ended = changes.filter((c) => c.previous === 'creating' && Boolean(c.model.name) && (c.model.state === 'active' || failedOrCancelled(c.model.state)));
  const ordered = [...ended.filter((c) => failedOrCancelled(c.model.state)), ...ended.filter((c) => c.model.state === 'active')];
  const individual = ordered.slice(0, Math.max(0, limit));
  const rest = ordered.slice(individual.length);
  const individualNames = new Set(individual.map((c) => c.model.name));
  const notices: JobNotice[] = ended
    .filter((c) => individualNames.has(c.model.name))
    .map(({ model }) =>
      failedOrCancelled(model.state)
        ? { kind: 'failed', name: model.name, label: modelLabel(model), reason: reasonOf(model.name) }
        : { kind: 'ready', name: model.name, label: modelLabel(model) },
    );
  if (rest.length > 0) {
    const restNames = new Set(rest.map((c) => c.model.name));
    const names = ended.filter((c) => restNames.has(c.model.name)).map((c) => c.model.name);
    const active = rest.filter((c) => c.model.state === 'active').length;
    const failed = rest.length - active;
    notices.push({ kind: 'summary', names, active, failed, message: summaryMessage(rest.length, active, failed, individual.length > 0) });
  }
  return notices;
}

function failedOrCancelled(state: TuningState): boolean {
  return state === 'failed' || state === 'cancelled';
}

function summaryMessage(count: number, active: number, failed: number, more: boolean): string {
  const parts = [active ? `${active} ACTIVE` : '', failed ? `${failed} FAILED` : ''].filter(Boolean).join(', ');
  return `${count}${more ? ' more' : ''} tuned model${count === 1 ? '' : 's'} finished: ${parts}`;
}
