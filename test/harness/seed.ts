// Seeds for randomised tests: a fresh one each run unless the named GEMINI_TUNING_… variable gives
// one, so that a failure is replayed by setting the variable to the seed the run printed.
import { randomInt } from 'node:crypto';

/** The seed in `variable`, or a fresh one, then kept there: every suite of the run uses the same. */
export function seedFrom(variable: string, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[variable]?.trim();
  if (!raw) {
    const fresh = randomInt(0, 2 ** 31);
    env[variable] = String(fresh);
    return fresh;
  }
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`${variable} must be an integer; got ${JSON.stringify(raw)}`);
  return seed;
}

/** "seed 12345 (replay: GEMINI_TUNING_X_SEED=12345)". */
export function describeSeed(variable: string, seed: number): string {
  return `seed ${seed} (replay: ${variable}=${seed})`;
}
