import { resolveHyperparameters, totalSteps, type ResolvedHyperparameters } from '../api/tuningDefaults';
import { formatCount, plural } from './diagnostics';
import { type TuningSpec } from './specModel';

export interface SpecSummary extends ResolvedHyperparameters {
  /** Valid training examples only. */
  exampleCount: number;
  /** Training rows (inline items, lines, records) that are not valid examples. */
  rowsWithProblems: number;
  totalSteps: number;
  /** "N examples (M rows with problems) · E epochs · batch B · → T steps · LR x" */
  text: string;
}

/** `0.0030000000000000005` → `"0.003"`. */
export function formatLearningRate(rate: number): string {
  return String(Number(rate.toPrecision(6)));
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : undefined;
}

function positiveNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * The figures the backend will use, with its defaults filled in. Values the schema rejects are
 * left out here, so that the summary of a spec being edited never shows negative steps.
 */
export function summarize(spec: TuningSpec, exampleCount: number, rowsWithProblems = 0): SpecSummary {
  const given = (spec.hyperparameters && typeof spec.hyperparameters === 'object' ? spec.hyperparameters : {}) as Record<string, unknown>;
  const resolved = resolveHyperparameters(exampleCount, {
    learningRate: positiveNumber(given.learningRate),
    learningRateMultiplier: positiveNumber(given.learningRateMultiplier),
    epochCount: positiveInteger(given.epochCount),
    batchSize: positiveInteger(given.batchSize),
  });
  const steps = totalSteps(exampleCount, resolved.epochCount, resolved.batchSize);
  const text = [
    rowsWithProblems > 0 ? `${plural(exampleCount, 'example')} (${plural(rowsWithProblems, 'row')} with problems)` : plural(exampleCount, 'example'),
    plural(resolved.epochCount, 'epoch'),
    `batch ${formatCount(resolved.batchSize)}`,
    `→ ${plural(steps, 'step')}`,
    `LR ${formatLearningRate(resolved.learningRate)}`,
  ].join(' · ');
  return { ...resolved, exampleCount, rowsWithProblems, totalSteps: steps, text };
}
