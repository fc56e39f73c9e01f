/**
 * The seed a new tuning job trains from: random, as each real tuning job starts from its own
 * initialisation, unless `GEMINI_TUNING_TRAINING_SEED` pins it, for reproducible runs and tests.
 */
export function newTrainingSeed(): number {
  const pinned = process.env.GEMINI_TUNING_TRAINING_SEED;
  if (pinned !== undefined && /^\d+$/.test(pinned)) return Number(pinned) % 2 ** 31;
  return Math.floor(Math.random() * 2 ** 31);
}
