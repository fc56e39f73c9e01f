import { type Rng } from './rng';

/**
 * The base model's pretraining corpus: generic text transformations drawn from a seeded generator
 * (copying, case changes, reversal, numbers and their successors, dates in several formats,
 * templates, and small fixed mappings). Each example names its task in the input, in one of a few
 * phrasings, so the base model learns the mechanisms; tuning then teaches which one a dataset wants.
 */
export interface TextPair {
  textInput: string;
  output: string;
}

const WORDS = (
  'apple river stone cloud maple harbor ember frost meadow canyon willow garden window market ' +
  'silver golden amber violet coral black white green blue red yellow orange purple brown grey ' +
  'cat dog fox owl bee yak heron otter lynx moose horse tiger eagle whale shark mouse rabbit ' +
  'house table chair paper pencil book letter music light night summer winter spring autumn ' +
  'happy quick lazy brave quiet loud small large early late bright dark warm cold sweet ' +
  'run jump walk talk read write sing play open close start stop build make find keep ' +
  'city road bridge tower island forest desert ocean valley mountain field station school ' +
  'coffee bread cheese butter honey lemon pepper salt sugar water juice tea milk rice ' +
  'north south east west left right up down first last next new old good best ' +
  'data file model token value index table query server client error report update'
).split(' ');

const NAMES = 'Ana Ben Carla David Emma Felix Grace Hugo Iris Jonas Karin Leo Maria Nora Omar Paula Quinn Rosa Sam Tara Umar Vera Walt Xena Yuri Zoe'.split(' ');
const CITIES = 'Paris Rome Lima Oslo Cairo Tokyo Berlin Madrid Nairobi Ottawa Dublin Vienna Prague Lisbon Athens Seoul Quito Accra Hanoi Bern'.split(' ');
const MONTHS = 'January February March April May June July August September October November December'.split(' ');
const DIGIT_WORDS = 'zero one two three four five six seven eight nine'.split(' ');
const COLORS_FR: Record<string, string> = { red: 'rouge', green: 'vert', blue: 'bleu', black: 'noir', white: 'blanc', yellow: 'jaune', grey: 'gris', brown: 'marron' };

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.below(items.length)];
}

function pseudoWord(rng: Rng): string {
  const consonants = 'bcdfghjklmnprstvwz';
  const vowels = 'aeiou';
  let s = '';
  const syllables = 1 + rng.below(3);
  for (let i = 0; i < syllables; i++) s += consonants[rng.below(consonants.length)] + vowels[rng.below(vowels.length)];
  if (rng.next() < 0.4) s += consonants[rng.below(consonants.length)];
  return s;
}

function word(rng: Rng): string {
  return rng.next() < 0.7 ? pick(rng, WORDS) : pseudoWord(rng);
}

function phrase(rng: Rng, min = 1, max = 4): string {
  const count = min + rng.below(max - min + 1);
  return Array.from({ length: count }, () => word(rng)).join(' ');
}

function mixedCase(rng: Rng, text: string): string {
  const mode = rng.below(3);
  if (mode === 0) return text;
  if (mode === 1) return titleCase(text);
  return [...text].map((ch) => (rng.next() < 0.5 ? ch.toUpperCase() : ch)).join('');
}

function titleCase(text: string): string {
  return text.replace(/\b[a-z]/g, (ch) => ch.toUpperCase());
}

function number(rng: Rng): number {
  const digits = 1 + rng.below(5);
  return rng.below(Math.pow(10, digits));
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

interface DateParts {
  y: number;
  m: number;
  d: number;
}

function date(rng: Rng): DateParts {
  return { y: 1950 + rng.below(100), m: 1 + rng.below(12), d: 1 + rng.below(28) };
}

const DATE_FORMATS: Array<(p: DateParts) => string> = [
  (p) => `${p.y}-${pad2(p.m)}-${pad2(p.d)}`,
  (p) => `${pad2(p.d)}/${pad2(p.m)}/${p.y}`,
  (p) => `${pad2(p.m)}/${pad2(p.d)}/${p.y}`,
  (p) => `${MONTHS[p.m - 1]} ${p.d}, ${p.y}`,
  (p) => `${p.d} ${MONTHS[p.m - 1]} ${p.y}`,
  (p) => `${p.d}.${p.m}.${p.y}`,
];
const DATE_NAMES = ['ISO', 'European', 'US', 'long', 'day month year', 'dotted'];

type Task = (rng: Rng) => [tags: string[], payload: string, output: string];

const TASKS: Task[] = [
  (rng) => {
    const t = mixedCase(rng, phrase(rng));
    return [['copy', 'repeat', 'echo'], t, t];
  },
  (rng) => {
    const t = mixedCase(rng, phrase(rng));
    return [['uppercase', 'to upper', 'shout'], t, t.toUpperCase()];
  },
  (rng) => {
    const t = mixedCase(rng, phrase(rng));
    return [['lowercase', 'to lower', 'whisper'], t, t.toLowerCase()];
  },
  (rng) => {
    const t = phrase(rng).toLowerCase();
    return [['title case', 'capitalize'], t, titleCase(t)];
  },
  (rng) => {
    const t = phrase(rng, 1, 2);
    return [['reverse', 'backwards'], t, [...t].reverse().join('')];
  },
  (rng) => {
    const t = phrase(rng, 2, 4);
    return [['reverse words', 'flip word order'], t, t.split(' ').reverse().join(' ')];
  },
  (rng) => {
    const n = number(rng);
    return [['next number', 'successor', 'add one', 'increment'], String(n), String(n + 1)];
  },
  (rng) => {
    const n = 1 + number(rng);
    return [['previous number', 'predecessor', 'subtract one'], String(n), String(n - 1)];
  },
  (rng) => {
    const n = number(rng) % 1000;
    return [['double', 'times two'], String(n), String(2 * n)];
  },
  (rng) => {
    const digits = String(number(rng));
    return [['spell digits', 'digits to words'], digits, [...digits].map((d) => DIGIT_WORDS[Number(d)]).join(' ')];
  },
  (rng) => {
    const p = date(rng);
    const from = rng.below(DATE_FORMATS.length);
    let to = rng.below(DATE_FORMATS.length - 1);
    if (to >= from) to++;
    return [[`date to ${DATE_NAMES[to]}`, `reformat date as ${DATE_NAMES[to]}`], DATE_FORMATS[from](p), DATE_FORMATS[to](p)];
  },
  (rng) => {
    const p = date(rng);
    return [['year of', 'which year'], DATE_FORMATS[rng.below(DATE_FORMATS.length)](p), String(p.y)];
  },
  (rng) => {
    const m = 1 + rng.below(12);
    return rng.next() < 0.5 ? [['month name'], String(m), MONTHS[m - 1]] : [['month number'], MONTHS[m - 1], String(m)];
  },
  (rng) => {
    const name = pick(rng, NAMES);
    const city = pick(rng, CITIES);
    return [['sentence', 'describe'], `name: ${name}, city: ${city}`, `${name} lives in ${city}.`];
  },
  (rng) => {
    const name = rng.next() < 0.6 ? pick(rng, NAMES) : titleCase(pseudoWord(rng));
    return [['greet', 'say hello'], name, `Hello, ${name}!`];
  },
  (rng) => {
    const thing = phrase(rng, 1, 2);
    const templates: Array<[string, string]> = [
      [`The ${thing} is here.`, thing],
      [`I like the ${thing}.`, thing],
      [`Where is the ${thing}?`, thing],
    ];
    const [text, answer] = pick(rng, templates);
    return [['extract', 'what thing'], text, answer];
  },
  (rng) => {
    const key = pick(rng, ['name', 'city', 'color', 'size', 'id', 'code']);
    const value = word(rng);
    return [['value of', 'get value'], `${key}: ${value}`, value];
  },
  (rng) => {
    const a = word(rng);
    const b = word(rng);
    return [['first word'], `${a} ${b}`, a];
  },
  (rng) => {
    const a = word(rng);
    const b = word(rng);
    return [['last word'], `${a} ${b}`, b];
  },
  (rng) => {
    const t = phrase(rng, 2, 4).toLowerCase();
    const style = rng.below(3);
    const words = t.split(' ');
    if (style === 0) return [['snake case'], t, words.join('_')];
    if (style === 1) return [['kebab case'], t, words.join('-')];
    return [['camel case'], t, words[0] + words.slice(1).map((w) => w[0].toUpperCase() + w.slice(1)).join('')];
  },
  (rng) => {
    const t = phrase(rng, 1, 3);
    return [['quote', 'wrap in quotes'], t, `"${t}"`];
  },
  (rng) => {
    const t = word(rng);
    return [['repeat twice', 'say it twice'], t, `${t} ${t}`];
  },
  (rng) => {
    const en = pick(rng, Object.keys(COLORS_FR));
    return [['color in French', 'translate color'], en, COLORS_FR[en]];
  },
  (rng) => {
    const d = rng.below(10);
    return rng.next() < 0.5 ? [['digit to word'], String(d), DIGIT_WORDS[d]] : [['word to digit'], DIGIT_WORDS[d], String(d)];
  },
];

const TAG_FORMATS: Array<(tag: string, payload: string) => string> = [
  (tag, payload) => `${tag}: ${payload}`,
  (tag, payload) => `${tag[0].toUpperCase()}${tag.slice(1)}: ${payload}`,
  (tag, payload) => `${payload} (${tag})`,
  (tag, payload) => `[${tag}] ${payload}`,
];

export function pretrainingExample(rng: Rng): TextPair {
  const task = TASKS[rng.below(TASKS.length)];
  const [tags, payload, output] = task(rng);
  const textInput = pick(rng, TAG_FORMATS)(pick(rng, tags), payload);
  return { textInput, output };
}

export const PRETRAINING_TASK_COUNT = TASKS.length;
