/** The loss values of the models on a chart as CSV, for a spreadsheet or a notebook. */
import type { ModelHeader } from './modelHeader';
import type { LossPoint } from './snapshots';

export interface CsvModel {
  header: Pick<ModelHeader, 'name' | 'displayName'>;
  points: readonly LossPoint[];
}

const CSV_COLUMNS = ['model', 'display_name', 'step', 'epoch', 'mean_loss', 'compute_time'];

/** RFC 4180 quoting; text that a spreadsheet would run as a formula is prefixed with a quote. */
export function csvCell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One row per point; an unreadable loss is an empty cell. Lines end with CRLF as RFC 4180 says. */
export function toCsv(models: readonly CsvModel[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const { header, points } of models) {
    const name = csvCell(header.name);
    const displayName = csvCell(header.displayName);
    for (const p of points) {
      lines.push(
        [
          name,
          displayName,
          String(p.step),
          String(p.epoch),
          p.loss === null ? '' : String(p.loss),
          p.computeTimeMs === null ? '' : new Date(p.computeTimeMs).toISOString(),
        ].join(','),
      );
    }
  }
  return lines.join('\r\n') + '\r\n';
}
