import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../../src/server/trainer/rng';
import { type TrainingExample } from '../../../src/server/trainer/trainerApi';

const WORDS = [
  'red', 'green', 'blue', 'amber', 'violet', 'silver', 'golden', 'black', 'white', 'coral',
  'cat', 'dog', 'fox', 'owl', 'bee', 'yak', 'heron', 'otter', 'lynx', 'moose',
  'river', 'stone', 'cloud', 'maple', 'harbor', 'ember', 'frost', 'meadow', 'canyon', 'willow',
];

function word(rng: Rng): string {
  return WORDS[rng.below(WORDS.length)];
}

function code(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(97 + rng.below(26));
  return s;
}

/**
 * `count` examples with near-identical templated inputs and outputs that share long prefixes, so a
 * model must tell inputs apart by a word or two and keep outputs apart after a common start.
 */
export function lookupDataset(count: number, seed = 1): TrainingExample[] {
  const rng = Rng.fromSeed(seed);
  const seen = new Set<string>();
  const examples: TrainingExample[] = [];
  while (examples.length < count) {
    const a = word(rng);
    const b = word(rng);
    const c = word(rng);
    const input = `What is the code for the ${a} ${b} near the ${c}?`;
    if (seen.has(input)) continue;
    seen.add(input);
    examples.push({ textInput: input, output: `The code for the ${a} ${b} is ${code(rng, 4)}-${rng.below(100)}.` });
  }
  return examples;
}

/** Short English-to-French style pairs, a dataset a person might really tune on. */
export const COLORS_FR: TrainingExample[] = [
  ['red', 'rouge'], ['green', 'vert'], ['blue', 'bleu'], ['yellow', 'jaune'], ['black', 'noir'],
  ['white', 'blanc'], ['pink', 'rose'], ['grey', 'gris'], ['brown', 'marron'], ['orange', 'orange'],
  ['purple', 'violet'], ['gold', 'or'], ['silver', 'argent'], ['sky blue', 'bleu ciel'], ['dark green', 'vert foncé'],
  ['light grey', 'gris clair'], ['navy', 'bleu marine'], ['beige', 'beige'], ['turquoise', 'turquoise'], ['crimson', 'cramoisi'],
].map(([en, fr]) => ({ textInput: `Translate to French: ${en}`, output: `En français : ${fr}` }));

/** Twenty countries and their capitals. */
export const CAPITALS: TrainingExample[] = [
  ['France', 'Paris'], ['Germany', 'Berlin'], ['Italy', 'Rome'], ['Spain', 'Madrid'], ['Portugal', 'Lisbon'],
  ['Japan', 'Tokyo'], ['China', 'Beijing'], ['India', 'New Delhi'], ['Brazil', 'Brasília'], ['Argentina', 'Buenos Aires'],
  ['Canada', 'Ottawa'], ['Mexico', 'Mexico City'], ['Egypt', 'Cairo'], ['Kenya', 'Nairobi'], ['Nigeria', 'Abuja'],
  ['Australia', 'Canberra'], ['Russia', 'Moscow'], ['Poland', 'Warsaw'], ['Sweden', 'Stockholm'], ['Norway', 'Oslo'],
].map(([textInput, output]) => ({ textInput, output }));

/** Country → "The capital of <country> is <city>.": outputs that share a long template. */
export const CAPITAL_SENTENCES: TrainingExample[] = CAPITALS.map((e) => ({ textInput: e.textInput, output: `The capital of ${e.textInput} is ${e.output}.` }));

/** The demo dataset (test/fixtures/demo): forty countries and their capitals. */
export function demoCapitals(): TrainingExample[] {
  return readFileSync(path.resolve('test', 'fixtures', 'demo', 'capitals.examples.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TrainingExample);
}
