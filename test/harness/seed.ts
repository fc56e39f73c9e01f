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

/** The training seed the tests' servers use unless GEMINI_TUNING_TRAINING_SEED names another. */
const TESTS_TRAINING_SEED = '20261203';

/**
 * A job trained from a random start can miss one of a test's few examples, so the servers a test
 * run starts train from one pinned seed: it is put in `env` (inherited by the servers and the
 * extension host) and printed once, so that a failure can be replayed.
 */
export function pinTrainingSeed(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = console.log): void {
  if (env.GEMINI_TUNING_TRAINING_SEED !== undefined) return;
  env.GEMINI_TUNING_TRAINING_SEED = TESTS_TRAINING_SEED;
  log(`      training seed ${TESTS_TRAINING_SEED} (set GEMINI_TUNING_TRAINING_SEED to train from another)`);
}
