import { type ImportedExample } from './importedExamples';

/** The spread of some lengths, in characters. */
export interface LengthStatistics {
  readonly min: number;
  readonly median: number;
  /** 95 of every 100 are at most this long. */
  readonly p95: number;
  readonly max: number;
  readonly mean: number;
}

export interface ExampleStatistics {
  readonly examples: number;
  readonly input: LengthStatistics;
  readonly output: LengthStatistics;
  /** Examples whose input is empty: the spec accepts them, but they rarely mean to be. */
  readonly emptyInputs: number;
  /** Examples that repeat an earlier one exactly (input and output). */
  readonly duplicates: number;
}

/** Nearest-rank percentile of sorted values; 0 for none. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function lengthStatistics(lengths: readonly number[]): LengthStatistics {
  const sorted = Float64Array.from(lengths).sort();
  let sum = 0;
  for (const n of sorted) sum += n;
  return {
    min: sorted.length ? sorted[0] : 0,
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.length ? sorted[sorted.length - 1] : 0,
    mean: sorted.length ? sum / sorted.length : 0,
  };
}

export function exampleStatistics(examples: readonly Pick<ImportedExample, 'textInput' | 'output'>[]): ExampleStatistics {
  const seen = new Set<string>();
  let duplicates = 0;
  let emptyInputs = 0;
  for (const e of examples) {
    const key = `${e.textInput}\u0000${e.output}`;
    if (seen.has(key)) duplicates++;
    else seen.add(key);
    if (e.textInput.trim() === '') emptyInputs++;
  }
  return {
    examples: examples.length,
    input: lengthStatistics(examples.map((e) => e.textInput.length)),
    output: lengthStatistics(examples.map((e) => e.output.length)),
    emptyInputs,
    duplicates,
  };
}

/** "12–340 characters, median 80, 95% ≤ 300". */
export function describeLengths(stats: LengthStatistics): string {
  if (stats.max === 0) return 'all empty';
  const range = stats.min === stats.max ? `${format(stats.max)} characters` : `${format(stats.min)}–${format(stats.max)} characters`;
  return `${range}, median ${format(stats.median)}, 95% ≤ ${format(stats.p95)}`;
}

function format(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
