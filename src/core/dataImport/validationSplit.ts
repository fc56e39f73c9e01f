/** The training and held-out parts of a set of examples, each in the order of the file. */
export interface ValidationSplit<T> {
  readonly training: T[];
  readonly validation: T[];
}

/** Fractions of the examples offered to hold out for validation. */
export const VALIDATION_FRACTIONS = [0.1, 0.2] as const;

/**
 * How many examples a fraction holds out: at least one, and never so many that fewer than one is
 * left to train on. 0 when there are fewer than two examples.
 */
export function validationSize(total: number, fraction: number): number {
  if (total < 2) return 0;
  return Math.min(total - 1, Math.max(1, Math.round(total * fraction)));
}

/**
 * Holds out about `fraction` of the examples, chosen at random with a fixed seed so the same file
 * splits the same way again. Examples that are exactly alike stay on the same side: one in each
 * would be trained on and then "held out", and measure nothing.
 */
export function splitForValidation<T extends { readonly textInput: string; readonly output: string }>(examples: readonly T[], fraction: number, seed: number): ValidationSplit<T> {
  const target = validationSize(examples.length, fraction);
  const groups = new Map<string, number[]>();
  examples.forEach((e, i) => {
    const key = `${e.textInput}\u0000${e.output}`;
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  const order = [...groups.values()];
  const random = mulberry32(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const heldOut = new Uint8Array(examples.length);
  let held = 0;
  for (const group of order) {
    if (held >= target) break;
    // A group that would leave nothing to train on stays in training.
    if (held + group.length > examples.length - 1) continue;
    for (const i of group) heldOut[i] = 1;
    held += group.length;
  }
  const training: T[] = [];
  const validation: T[] = [];
  examples.forEach((e, i) => (heldOut[i] ? validation : training).push(e));
  return { training, validation };
}

/** A small, fast, seedable generator of numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
