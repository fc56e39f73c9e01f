import { compareRanges, type Range } from './positions';

export type Severity = 'error' | 'warning' | 'information';

/** Stable identifiers of the rules; tests and the editor layer key on them. */
export type DiagnosticCode =
  | 'yaml-syntax'
  | 'yaml-limits'
  | 'schema'
  | 'unknown-key'
  | 'example-too-long'
  | 'empty-output'
  | 'duplicate-example'
  | 'too-few-examples'
  | 'no-examples'
  | 'data-file-missing'
  | 'data-file-unreadable'
  | 'data-file-binary'
  | 'data-file-encoding'
  | 'data-file-type'
  | 'jsonl-line'
  | 'json-array'
  | 'csv-row'
  | 'csv-header'
  | 'too-many-problems'
  | 'platform-field'
  | 'vertex-limit'
  | 'vertex-base-model'
  | 'vertex-data';

export interface RelatedLocation {
  file: string;
  range: Range;
  message: string;
}

/** One problem, in the file it belongs to: the spec itself or one of its data files. */
export interface SpecDiagnostic {
  file: string;
  range: Range;
  severity: Severity;
  message: string;
  code: DiagnosticCode;
  related?: RelatedLocation[];
}

export function hasErrors(diagnostics: readonly SpecDiagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

export function sortDiagnostics(diagnostics: SpecDiagnostic[]): SpecDiagnostic[] {
  return diagnostics.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : compareRanges(a.range, b.range)));
}

// One formatter: `toLocaleString('en-US')` builds a new one per call, which costs more than a parse.
const COUNT_FORMAT = new Intl.NumberFormat('en-US');

/** `12345` → `"12,345"`: figures in messages are read by people. */
export function formatCount(n: number): string {
  return COUNT_FORMAT.format(n);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
