// Seeds for randomised tests: a fresh one each run unless the named GEMINI_TUNING_… variable gives
// one, so that a failure is replayed by setting the variable to the seed the run printed.
import { randomInt } from 'node:crypto';

export function seedFrom(variable: string, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[variable]?.trim();
  if (!raw) return randomInt(0, 2 ** 31);
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`${variable} must be an integer; got ${JSON.stringify(raw)}`);
  return seed;
}

/** "seed 12345 (replay: GEMINI_TUNING_X_SEED=12345)". */
export function describeSeed(variable: string, seed: number): string {
  return `seed ${seed} (replay: ${variable}=${seed})`;
}
