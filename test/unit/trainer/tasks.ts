import { Rng } from '../../../src/server/trainer/rng';
import { type TrainingPair } from '../../../src/server/trainer/trainer';

/**
 * Simple character-level tasks for measuring generalization: each is a dataset a person might tune
 * on, without any instruction in the input, split into training examples and held-out inputs.
 * The words, names and templates differ from those of the base model's pretraining corpus where
 * they can (the mechanisms, such as case change and successors, are the same).
 */
const WORDS = [
  'lantern', 'pebble', 'orchid', 'glacier', 'saddle', 'thimble', 'quartz', 'walnut', 'biscuit', 'falcon',
  'ribbon', 'compass', 'lagoon', 'pillow', 'tundra', 'velvet', 'cinder', 'meadowlark', 'anchor', 'hazel',
  'kettle', 'marble', 'nutmeg', 'parsley', 'quill', 'rooster', 'sparrow', 'trumpet', 'umbrella', 'vinegar',
  'wagon', 'yarrow', 'zephyr', 'badger', 'candle', 'dolphin', 'emerald', 'feather', 'garnet', 'harvest',
];
const PEOPLE = ['Ines', 'Tomas', 'Alma', 'Bruno', 'Celia', 'Dmitri', 'Elif', 'Farid', 'Greta', 'Hiro', 'Ivana', 'Jamal', 'Kofi', 'Lena', 'Mateo', 'Nadia', 'Oskar', 'Priya', 'Rafael', 'Sofia', 'Timo', 'Ulla', 'Viktor', 'Wanda', 'Yusuf', 'Zara', 'Anouk', 'Bodhi', 'Chiara', 'Dario'];

export interface Task {
  name: string;
  train: TrainingPair[];
  heldOut: TrainingPair[];
}

function split(name: string, all: TrainingPair[], trainCount: number): Task {
  return { name, train: all.slice(0, trainCount), heldOut: all.slice(trainCount) };
}

function distinct(count: number, make: (rng: Rng) => TrainingPair, seed: number): TrainingPair[] {
  const rng = Rng.fromSeed(seed);
  const seen = new Set<string>();
  const out: TrainingPair[] = [];
  for (let guard = 0; out.length < count && guard < count * 100; guard++) {
    const e = make(rng);
    if (seen.has(e.textInput)) continue;
    seen.add(e.textInput);
    out.push(e);
  }
  return out;
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.below(items.length)];
const pad2 = (n: number) => String(n).padStart(2, '0');

/** `train` training examples and `heldOut` held-out ones per task. */
export function generalizationTasks(train = 20, heldOut = 10, seed = 1): Task[] {
  const total = train + heldOut;
  return [
    split(
      'uppercase',
      distinct(total, (rng) => {
        const text = rng.next() < 0.5 ? pick(rng, WORDS) : `${pick(rng, WORDS)} ${pick(rng, WORDS)}`;
        return { textInput: text, output: text.toUpperCase() };
      }, seed),
      train,
    ),
    split(
      'successor',
      distinct(total, (rng) => {
        const n = rng.below(1000);
        return { textInput: String(n), output: String(n + 1) };
      }, seed + 1),
      train,
    ),
    split(
      'date ISO to European',
      distinct(total, (rng) => {
        const y = 1960 + rng.below(60);
        const m = 1 + rng.below(12);
        const d = 1 + rng.below(28);
        return { textInput: `${y}-${pad2(m)}-${pad2(d)}`, output: `${pad2(d)}/${pad2(m)}/${y}` };
      }, seed + 2),
      train,
    ),
    split(
      'templated rewrite',
      distinct(total, (rng) => {
        const person = pick(rng, PEOPLE);
        const item = pick(rng, WORDS);
        return { textInput: `${person} ordered a ${item}`, output: `Dear ${person}, your ${item} has shipped.` };
      }, seed + 3),
      train,
    ),
  ];
}

/** The output of the training example whose input shares the most character trigrams (the baseline). */
export function nearestNeighbour(train: readonly TrainingPair[], input: string): string {
  const grams = (s: string) => {
    const padded = `  ${s}  `;
    const set = new Map<string, number>();
    for (let i = 0; i + 3 <= padded.length; i++) set.set(padded.slice(i, i + 3), (set.get(padded.slice(i, i + 3)) ?? 0) + 1);
    return set;
  };
  const q = grams(input);
  let best = train[0];
  let bestScore = -1;
  for (const e of train) {
    const g = grams(e.textInput);
    let shared = 0;
    for (const [k, v] of q) shared += Math.min(v, g.get(k) ?? 0);
    const score = shared / Math.sqrt(Math.max(1, [...g.values()].reduce((a, b) => a + b, 0)));
    if (score > bestScore) {
      bestScore = score;
      best = e;
    }
  }
  return best.output;
}

/**
 * Character-level F1 over multisets of code points: a coarse progress signal for the local
 * character-level model's learning curves (docs/local-model.md), not an answer-quality score.
 */
function charF1(prediction: string, reference: string): number {
  const p = Array.from(prediction.trim());
  const r = Array.from(reference.trim());
  if (p.length === 0 && r.length === 0) return 1;
  if (p.length === 0 || r.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const c of r) counts.set(c, (counts.get(c) ?? 0) + 1);
  let shared = 0;
  for (const c of p) {
    const n = counts.get(c) ?? 0;
    if (n > 0) {
      shared++;
      counts.set(c, n - 1);
    }
  }
  if (shared === 0) return 0;
  const precision = shared / p.length;
  const recall = shared / r.length;
  return (2 * precision * recall) / (precision + recall);
}

export interface Score {
  exact: number;
  f1: number;
}

export function score(pairs: ReadonlyArray<{ predicted: string; expected: string }>): Score {
  const exact = pairs.filter((p) => p.predicted === p.expected).length / pairs.length;
  const f1 = pairs.reduce((s, p) => s + charF1(p.predicted, p.expected), 0) / pairs.length;
  return { exact, f1 };
}
