/** The words and numbers the chart's header, notices, readout and accessible label show. */
import { plannedTotalSteps, type EmptyReason, type ModelHeader, type ModelState } from './modelHeader';

/** What the last loss is called: the latest while the job may still report more, the final once it has ended. */
export function lossLabel(state: ModelState): 'Latest loss' | 'Final loss' {
  return state === 'ACTIVE' || state === 'FAILED' || state === 'CANCELLED' ? 'Final loss' : 'Latest loss';
}

export function describeEmpty(reason: EmptyReason, header: ModelHeader): string {
  switch (reason) {
    case 'waiting':
      return 'Waiting for the first step…';
    case 'failed':
      return `Tuning failed: ${header.errorMessage ?? 'the backend gave no error message.'}`;
    case 'noSnapshots':
      return 'The backend returned no training snapshots for this model, so there is no loss curve to draw.';
  }
}

/** The header's step line: done out of the total, and where the total comes from. */
export function describeSteps(header: ModelHeader, points: { step: ArrayLike<number>; epoch: ArrayLike<number> }): string {
  const n = points.step.length;
  const done = n > 0 ? points.step[n - 1] : header.completedSteps;
  const planned = plannedTotalSteps(header, points.step, points.epoch);
  if (!planned) return done !== undefined ? String(done) : '—';
  const doneText = String(done ?? 0);
  switch (planned.source) {
    case 'operation':
      return `${doneText} of ${planned.total}`;
    case 'hyperparameters':
      return `${doneText} of ${planned.total} (${header.epochCount} epochs × ${header.exampleCount} examples ÷ batch size ${header.batchSize})`;
    case 'snapshots':
      return `${doneText} of ${planned.total} (the last reported step)`;
    case 'firstEpoch':
      return `${doneText} of about ${planned.total} (${header.epochCount} epochs as long as the first)`;
  }
}

export function describeHyperparameters(h: ModelHeader): string {
  const parts: string[] = [];
  if (h.epochCount !== undefined) parts.push(`${h.epochCount} epochs`);
  if (h.batchSize !== undefined) parts.push(`batch size ${h.batchSize}`);
  if (h.learningRate !== undefined) parts.push(`learning rate ${h.learningRate}`);
  if (h.learningRateMultiplier !== undefined) parts.push(`learning rate ×${h.learningRateMultiplier}`);
  return parts.length > 0 ? parts.join(' · ') : 'not reported';
}

export function formatDuration(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

export function formatLoss(loss: number | null | undefined): string {
  if (loss === null || loss === undefined) return '—';
  const magnitude = Math.abs(loss);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return loss.toExponential(3);
  return loss.toFixed(4);
}
