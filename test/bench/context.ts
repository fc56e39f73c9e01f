/** One measured figure. With a baseline, the table shows value / baseline.value. */
export interface BenchRecord {
  area: string;
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
}

export interface BenchContext {
  record(entry: BenchRecord): void;
  /** The repository root, for benches that read built files. */
  readonly repoRoot: string;
  log(line: string): void;
}

/** What a `test/bench/<area>.bench.ts` file default-exports. */
export type Bench = (ctx: BenchContext) => Promise<void>;

/** The median of a few timed runs of `fn`, in milliseconds: steadier than a mean on a busy machine. */
export async function medianMs(runs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
