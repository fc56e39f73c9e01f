import type { HostMetric } from './results';

// Test files are bundled one by one, so each gets its own copy of this module; a registry
// symbol on globalThis is what they all share with the integration entry.
const KEY = Symbol.for('gemini-tuning.host-metrics');

export function hostMetrics(): HostMetric[] {
  const holder = globalThis as unknown as Record<symbol, HostMetric[] | undefined>;
  return (holder[KEY] ??= []);
}

/**
 * Records a figure measured inside the real extension host (e.g. activation time). The
 * integration entry copies these into the results file; `npm run bench` with BENCH_HOST=1
 * runs the `@bench` integration tests and reports them with the other benchmarks.
 */
export function recordHostMetric(metric: HostMetric): void {
  hostMetrics().push(metric);
}
