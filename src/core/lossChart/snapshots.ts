/** Loss snapshots read into the points the chart draws. */
import type { TunedModelInfo } from '../tuning/model';

/** A snapshot as it arrives on the wire. ProtoJSON omits zeros and writes NaN/Infinity as strings. */
export interface SnapshotInput {
  step?: number | string | null;
  epoch?: number | string | null;
  meanLoss?: number | string | null;
  computeTime?: string | null;
}

export interface LossPoint {
  step: number;
  epoch: number;
  /** null when the backend reported a non-finite or unreadable loss */
  loss: number | null;
  /** epoch milliseconds of `computeTime`, null when absent or unreadable */
  computeTimeMs: number | null;
}

function protoNumber(value: number | string | null | undefined): number {
  if (value === undefined || value === null) return 0; // proto3 omits zero values
  if (typeof value === 'number') return value;
  const trimmed = value.trim();
  return trimmed === '' ? Number.NaN : Number(trimmed);
}

export function parseTimestamp(value: string | null | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Snapshots → points sorted by step. A snapshot whose step cannot be read is dropped (it has no
 * place on the x axis); a repeated step keeps the later report.
 */
export function toLossPoints(snapshots: readonly SnapshotInput[] | null | undefined): LossPoint[] {
  if (!snapshots || snapshots.length === 0) return [];
  const byStep = new Map<number, LossPoint>();
  for (const snapshot of snapshots) {
    if (!snapshot || typeof snapshot !== 'object') continue;
    const step = protoNumber(snapshot.step);
    if (!Number.isFinite(step)) continue;
    const epoch = protoNumber(snapshot.epoch);
    const loss = protoNumber(snapshot.meanLoss);
    byStep.set(step, {
      step,
      epoch: Number.isFinite(epoch) ? epoch : 0,
      loss: Number.isFinite(loss) ? loss : null,
      computeTimeMs: parseTimestamp(snapshot.computeTime),
    });
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

/** Points that are not yet in `known` (by step), or whether the known ones changed since. */
export function pointsAfter(known: readonly LossPoint[], latest: readonly LossPoint[]): { appended: LossPoint[]; rewritten: boolean } {
  const lastKnownStep = known.length > 0 ? known[known.length - 1].step : -Infinity;
  const appended = latest.filter((p) => p.step > lastKnownStep);
  const overlap = latest.length - appended.length;
  if (overlap !== known.length) return { appended, rewritten: true };
  for (let i = 0; i < overlap; i++) {
    const a = known[i];
    const b = latest[i];
    if (a.step !== b.step || a.epoch !== b.epoch || a.loss !== b.loss || a.computeTimeMs !== b.computeTimeMs) {
      return { appended, rewritten: true };
    }
  }
  return { appended, rewritten: false };
}

/** The training loss curve of a model, as points to draw. */
export function lossPointsOf(model: Pick<TunedModelInfo, 'loss'>): LossPoint[] {
  return toLossPoints(model.loss.map((p) => ({ step: p.step, epoch: p.epoch, meanLoss: p.loss, computeTime: p.computeTime })));
}

/** The validation loss curve of a model, as points to draw; empty when the backend evaluates none. */
export function evalLossPointsOf(model: Pick<TunedModelInfo, 'evalLoss'>): LossPoint[] {
  return toLossPoints((model.evalLoss ?? []).map((p) => ({ step: p.step, epoch: p.epoch, meanLoss: p.loss, computeTime: p.computeTime })));
}
