/** The loss values of the models on a chart as CSV, for a spreadsheet or a notebook. */
import type { ModelHeader } from './modelHeader';
import type { LossPoint } from './snapshots';

export interface CsvModel {
  header: Pick<ModelHeader, 'name' | 'displayName'>;
  points: readonly LossPoint[];
  /** validation loss, by step; written in an `eval_loss` column when any model has it */
  evalPoints?: readonly LossPoint[];
}

const CSV_COLUMNS = ['model', 'display_name', 'step', 'epoch', 'mean_loss', 'compute_time'];

/** RFC 4180 quoting; text that a spreadsheet would run as a formula is prefixed with a quote. */
export function csvCell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * One row per point; an unreadable loss is an empty cell. Lines end with CRLF as RFC 4180 says.
 * When a model has validation loss, an `eval_loss` column follows, and a step evaluated but not
 * trained on has a row of its own with an empty `mean_loss`.
 */
export function toCsv(models: readonly CsvModel[]): string {
  const withEval = models.some((m) => (m.evalPoints?.length ?? 0) > 0);
  const lines = [(withEval ? [...CSV_COLUMNS, 'eval_loss'] : CSV_COLUMNS).join(',')];
  const cell = (loss: number | null | undefined): string => (loss === null || loss === undefined ? '' : String(loss));
  for (const { header, points, evalPoints = [] } of models) {
    const name = csvCell(header.name);
    const displayName = csvCell(header.displayName);
    const evalByStep = new Map(evalPoints.map((p) => [p.step, p]));
    const rows: { point: LossPoint; train: boolean }[] = points.map((point) => ({ point, train: true }));
    const trainSteps = new Set(points.map((p) => p.step));
    for (const p of evalPoints) if (!trainSteps.has(p.step)) rows.push({ point: p, train: false });
    rows.sort((a, b) => a.point.step - b.point.step);
    for (const { point: p, train } of rows) {
      lines.push(
        [
          name,
          displayName,
          String(p.step),
          String(p.epoch),
          train ? cell(p.loss) : '',
          p.computeTimeMs === null ? '' : new Date(p.computeTimeMs).toISOString(),
          ...(withEval ? [evalByStep.has(p.step) ? cell(evalByStep.get(p.step)?.loss) : ''] : []),
        ].join(','),
      );
    }
  }
  return lines.join('\r\n') + '\r\n';
}
