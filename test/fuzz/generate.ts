// Seeded generator of malformed inputs: mutations of the valid fixtures (specs, data files, prompt
// notebooks). The same seed gives the same cases. Each run goes through the regression corpus (the
// cases of one fixed seed, kept because they found real problems) and through a fresh seed, which
// it prints; GEMINI_TUNING_FUZZ_SEED replays a fresh seed.
import { describeSeed, seedFrom } from '../harness/seed';

export const FUZZ_SEED_VARIABLE = 'GEMINI_TUNING_FUZZ_SEED';
export const REGRESSION_FUZZ_SEED = 20261121;

export interface FuzzSeed {
  readonly seed: number;
  /** The fixed corpus every run goes through, or this run's own seed. */
  readonly role: 'regression corpus' | 'fresh';
}

/** The regression corpus, then this run's fresh seed (GEMINI_TUNING_FUZZ_SEED, or a random one). */
export function fuzzSeeds(env: NodeJS.ProcessEnv = process.env): FuzzSeed[] {
  const fresh = seedFrom(FUZZ_SEED_VARIABLE, env);
  const regression: FuzzSeed = { seed: REGRESSION_FUZZ_SEED, role: 'regression corpus' };
  return fresh === REGRESSION_FUZZ_SEED ? [regression] : [regression, { seed: fresh, role: 'fresh' }];
}

/** "seed 20261121 (regression corpus)" or "fresh seed 42 (replay: GEMINI_TUNING_FUZZ_SEED=42)". */
export function describeFuzzSeed({ seed, role }: FuzzSeed): string {
  return role === 'fresh' ? `fresh ${describeSeed(FUZZ_SEED_VARIABLE, seed)}` : `seed ${seed} (regression corpus)`;
}

/** mulberry32: small, fast and good enough to pick mutations. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** An independent stream for one family of cases, so that adding cases to one family leaves the others unchanged. */
  static derive(seed: number, label: string): Rng {
    let h = (seed ^ 0x9e3779b9) >>> 0;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
    return new Rng(h);
  }

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** One generated input. `certain` is set when the mutation is broken by construction. */
export interface Mutant {
  bytes: Uint8Array;
  /** What was done, e.g. "temperature → 1.5; flip 3 bytes". */
  description: string;
  certain?: CertainBreak;
}

export interface CertainBreak {
  /** 0-based line of the text the problem must be reported on (or near, see `slack`). */
  line?: number;
  /** How many lines away from `line` a report still counts as saying where. */
  slack?: number;
  /** The file (relative name) the problem must be reported in, when not the mutated file itself. */
  reportedIn?: string;
}

const utf8 = new TextEncoder();
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function utf16le(value: string, bom: boolean): Uint8Array {
  const body = Buffer.from(value, 'utf16le');
  return bom ? concat(new Uint8Array([0xff, 0xfe]), body) : new Uint8Array(body);
}

function splitLines(value: string): string[] {
  return value.split('\n');
}

// ---------------------------------------------------------------- generic mutations

type ByteMutation = (rng: Rng, input: Uint8Array) => { bytes: Uint8Array; description: string };

const STRANGE_TEXT = ['\u0000', '\u2028', '\u202e', 'e\u0301', '😀', '\ufeff', '\t', '\r', '\\', '"', "'", '#', ':', '- ', '{', '}', '[', ']', ',', '&a', '*a', '!!binary', '%YAML 1.1', '---', '...', '\u00a0'];

export const byteMutations: Record<string, ByteMutation> = {
  flipBits(rng, input) {
    if (input.length === 0) return { bytes: input, description: 'flip nothing (empty)' };
    const out = input.slice();
    const n = rng.int(1, 8);
    for (let i = 0; i < n; i++) out[rng.int(0, out.length - 1)] ^= 1 << rng.int(0, 7);
    return { bytes: out, description: `flip ${n} bits` };
  },
  randomBytes(rng, input) {
    const out = input.slice();
    const n = rng.int(1, 6);
    for (let i = 0; i < n && out.length > 0; i++) out[rng.int(0, out.length - 1)] = rng.int(0, 255);
    return { bytes: out, description: `overwrite ${n} bytes` };
  },
  truncate(rng, input) {
    const at = rng.int(0, Math.max(0, input.length - 1));
    return { bytes: input.slice(0, at), description: `truncate at byte ${at}` };
  },
  insertStrange(rng, input) {
    const value = text(input);
    const at = rng.int(0, value.length);
    const piece = rng.pick(STRANGE_TEXT);
    return { bytes: utf8.encode(value.slice(0, at) + piece + value.slice(at)), description: `insert ${JSON.stringify(piece)} at char ${at}` };
  },
  deleteLines(rng, input) {
    const lines = splitLines(text(input));
    const at = rng.int(0, lines.length - 1);
    const n = rng.int(1, 3);
    lines.splice(at, n);
    return { bytes: utf8.encode(lines.join('\n')), description: `delete lines ${at + 1}–${at + n}` };
  },
  duplicateLines(rng, input) {
    const lines = splitLines(text(input));
    const at = rng.int(0, lines.length - 1);
    const n = rng.int(1, 3);
    lines.splice(at, 0, ...lines.slice(at, at + n));
    return { bytes: utf8.encode(lines.join('\n')), description: `duplicate lines ${at + 1}–${at + n}` };
  },
  swapLines(rng, input) {
    const lines = splitLines(text(input));
    const a = rng.int(0, lines.length - 1);
    const b = rng.int(0, lines.length - 1);
    [lines[a], lines[b]] = [lines[b], lines[a]];
    return { bytes: utf8.encode(lines.join('\n')), description: `swap lines ${a + 1} and ${b + 1}` };
  },
  utf8Bom(_rng, input) {
    return { bytes: concat(new Uint8Array([0xef, 0xbb, 0xbf]), input), description: 'UTF-8 BOM' };
  },
  utf16(rng, input) {
    const bom = rng.chance(0.5);
    return { bytes: utf16le(text(input), bom), description: `UTF-16LE ${bom ? 'with' : 'without'} BOM` };
  },
  latin1(rng, input) {
    const value = text(input);
    const at = rng.int(0, value.length);
    const withAccent = `${value.slice(0, at)}é${value.slice(at)}`;
    return { bytes: new Uint8Array(Buffer.from(withAccent, 'latin1')), description: `Latin-1 "é" at char ${at}` };
  },
  invalidUtf8(rng, input) {
    const at = rng.int(0, input.length);
    const bad = rng.pick([[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80]]);
    return { bytes: concat(input.slice(0, at), new Uint8Array(bad), input.slice(at)), description: `invalid UTF-8 ${bad.map((b) => b.toString(16)).join(' ')} at byte ${at}` };
  },
  lineEndings(rng, input) {
    const ending = rng.pick(['\r\n', '\r', '\u2028']);
    return { bytes: utf8.encode(text(input).replace(/\n/g, ending)), description: `line endings ${JSON.stringify(ending)}` };
  },
  hugeLine(rng, input) {
    const lines = splitLines(text(input));
    const at = rng.int(0, lines.length);
    const size = rng.pick([5_000, 20_000, 70_000]);
    lines.splice(at, 0, rng.pick(['x', '{', '"', ' ', '9']).repeat(size));
    return { bytes: utf8.encode(lines.join('\n')), description: `insert a ${size}-character line at ${at + 1}` };
  },
  empty(_rng, _input) {
    return { bytes: new Uint8Array(0), description: 'empty file' };
  },
  whitespaceOnly(rng, _input) {
    return { bytes: utf8.encode(rng.pick([' ', '\n\n', '\t', '\r\n', '\ufeff'])), description: 'whitespace only' };
  },
};

/** 1–3 generic mutations, chained. */
export function randomMutation(rng: Rng, input: Uint8Array, exclude: readonly string[] = []): Mutant {
  const names = Object.keys(byteMutations).filter((n) => !exclude.includes(n));
  let bytes = input;
  const steps: string[] = [];
  const count = rng.int(1, 3);
  for (let i = 0; i < count; i++) {
    const out = byteMutations[rng.pick(names)](rng, bytes);
    bytes = out.bytes;
    steps.push(out.description);
  }
  return { bytes, description: steps.join('; ') };
}

// ---------------------------------------------------------------- tuning specs (YAML)

/** Values that are wrong for a key whatever else the spec says, by JSON Schema type or range. */
const WRONG_VALUES: Record<string, readonly string[]> = {
  displayName: ['42', 'true', '[a, b]', '{a: 1}', 'x'.repeat(41), `"${'é'.repeat(41)}"`],
  baseModel: ['42', 'true', '[models/x]', '{name: x}', '3.5'],
  temperature: ['1.5', '-0.1', 'hot', 'true', '[0.5]', '{v: 1}', '1e309', '-1e309', '99999999999999999999', '.inf', '-.inf', '.nan', '"0.5"'],
  epochCount: ['0', '-1', '2.5', '"20"', 'many', 'true', '[20]', '1e400', '.nan', '-.inf'],
  batchSize: ['0', '-4', '0.5', 'four', 'false', '{n: 4}', '.nan'],
  learningRateMultiplier: ['0', '-1', 'fast', '[1]', '.nan', '-.inf', '-1e-300'],
};

/** Lines that break YAML itself (replacing one line of the spec). */
const YAML_BREAKERS: readonly string[] = [
  'displayName: "unclosed',
  "displayName: 'unclosed",
  '\tbatchSize: 4',
  'hyperparameters: [epochCount: 1',
  'key: value: other',
  'examplesFile: {path: x.jsonl',
  '"unterminated key: 1',
  '@reserved: 1',
  '`backtick: 1',
];

/** Deeply nested YAML (beyond the parser's limit). */
export function deepNesting(rng: Rng): { line: string; description: string } {
  const depth = rng.int(65, 2000);
  const flow = rng.chance(0.5);
  const line = flow ? `extra: ${'['.repeat(depth)}${']'.repeat(depth)}` : `extra: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`;
  return { line, description: `${flow ? 'sequences' : 'mappings'} nested ${depth} deep` };
}

function replaceKeyValue(lines: string[], key: string, value: string): number {
  const pattern = new RegExp(`^(\\s*)${key}:.*$`);
  const at = lines.findIndex((l) => pattern.test(l));
  if (at < 0) throw new Error(`the fixture has no "${key}:" line`);
  lines[at] = lines[at].replace(pattern, `$1${key}: ${value}`);
  return at;
}

/**
 * A spec mutated so that it is broken for sure, with where the problem must be reported: a key
 * given a wrong value, a YAML syntax error, a missing data file, nesting or aliases beyond the
 * limits, a duplicate key.
 */
export function brokenSpec(rng: Rng, spec: string): Mutant {
  const lines = splitLines(spec);
  const kind = rng.pick(['wrongValue', 'wrongValue', 'wrongValue', 'yamlBreaker', 'missingFile', 'deepNesting', 'aliasBomb', 'duplicateKey'] as const);
  switch (kind) {
    case 'wrongValue': {
      const key = rng.pick(Object.keys(WRONG_VALUES));
      const value = rng.pick(WRONG_VALUES[key]);
      const line = replaceKeyValue(lines, key, value);
      return { bytes: utf8.encode(lines.join('\n')), description: `${key}: ${value.length > 20 ? `${value.slice(0, 12)}… (${value.length} chars)` : value}`, certain: { line } };
    }
    case 'yamlBreaker': {
      const candidates = lines.map((l, i) => (l.trim() && !l.trim().startsWith('#') ? i : -1)).filter((i) => i >= 0);
      const at = rng.pick(candidates);
      const breaker = rng.pick(YAML_BREAKERS);
      lines[at] = breaker;
      return { bytes: utf8.encode(lines.join('\n')), description: `line ${at + 1} → ${JSON.stringify(breaker)}`, certain: { line: at, slack: 3 } };
    }
    case 'missingFile': {
      const line = replaceKeyValue(lines, 'examplesFile', rng.pick(['no-such-file.jsonl', 'gone/away.csv', 'missing.json']));
      return { bytes: utf8.encode(lines.join('\n')), description: 'examplesFile names a missing file', certain: { line } };
    }
    case 'deepNesting': {
      const { line, description } = deepNesting(rng);
      const at = rng.int(0, lines.length);
      lines.splice(at, 0, line);
      return { bytes: utf8.encode(lines.join('\n')), description, certain: { line: at, slack: 1 } };
    }
    case 'aliasBomb': {
      const levels = rng.int(6, 9);
      const bomb = ['bomb:', '  a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < levels; i++) bomb.push(`  a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
      return { bytes: utf8.encode([...lines, ...bomb].join('\n')), description: `alias bomb of ${levels} levels`, certain: {} };
    }
    case 'duplicateKey': {
      const key = rng.pick(['displayName', 'baseModel', 'temperature', 'examplesFile']);
      const at = lines.findIndex((l) => l.startsWith(`${key}:`));
      lines.splice(at + 1, 0, lines[at]);
      return { bytes: utf8.encode(lines.join('\n')), description: `duplicate key ${key}`, certain: { line: at + 1, slack: 1 } };
    }
  }
}

/** A spec mutated at random: it may or may not still be valid. */
export function randomSpec(rng: Rng, spec: string): Mutant {
  const input = utf8.encode(spec);
  if (rng.chance(0.25)) {
    // Structure-aware: any key given another value, then maybe a generic mutation on top.
    const lines = splitLines(spec);
    const keyed = lines.map((l, i) => (/^\s*[A-Za-z]+:/.test(l) ? i : -1)).filter((i) => i >= 0);
    const at = rng.pick(keyed);
    const value = rng.pick(['', '~', 'null', '[]', '{}', '0', '-0', '1e-320', '0x10', '0o7', '1_000', '"', "''", '|', '>-', '&anchor x', '*nowhere', '!!str 5', '!!int x', `"${'y'.repeat(rng.int(1, 5000))}"`]);
    lines[at] = lines[at].replace(/:.*$/, `: ${value}`);
    const first = `line ${at + 1} value → ${JSON.stringify(value.length > 20 ? `${value.slice(0, 12)}…` : value)}`;
    if (rng.chance(0.5)) return { bytes: utf8.encode(lines.join('\n')), description: first };
    const more = randomMutation(rng, utf8.encode(lines.join('\n')));
    return { bytes: more.bytes, description: `${first}; ${more.description}` };
  }
  return randomMutation(rng, input);
}

// ---------------------------------------------------------------- data files

export type DataFormatName = 'jsonl' | 'csv' | 'json';

/** A data file broken for sure on one line, with that line. */
export function brokenDataFile(rng: Rng, format: DataFormatName, data: string): Mutant {
  const lines = splitLines(data);
  if (format === 'jsonl') {
    const contentLines = lines.map((l, i) => (l.trim() ? i : -1)).filter((i) => i >= 0);
    const at = rng.pick(contentLines);
    const bad = rng.pick(['not json', '{"textInput": "x"}', '{"output": "y"}', '{"textInput": 5, "output": "y"}', '{"textInput": "x", "output": null}', '[1, 2]', '"a string"', '{"textInput": "Fra', '{"textInput": "x", "output": "y"}}', '{"textInput": "x", "output": ""}']);
    lines[at] = bad;
    return { bytes: utf8.encode(lines.join('\n')), description: `line ${at + 1} → ${bad}`, certain: { line: at } };
  }
  if (format === 'csv') {
    // A row of its own: not part of a quoted field that spans lines.
    const rows: number[] = [];
    let inQuotes = false;
    lines.forEach((l, i) => {
      const quotes = (l.match(/"/g) ?? []).length;
      if (!inQuotes && quotes === 0 && i > 0 && l.trim()) rows.push(i);
      if (quotes % 2 === 1) inQuotes = !inQuotes;
    });
    const at = rng.pick(rows);
    const bad = rng.pick(['"unclosed,quote,', 'Only one column', 'a,b,c,d,e,f', '"x"y,z,', ',,']);
    if (rng.chance(0.2)) {
      lines[0] = rng.pick(['question;answer;notes', 'q,a,notes', '']);
      return { bytes: utf8.encode(lines.join('\n')), description: `header → ${JSON.stringify(lines[0])}`, certain: { line: 0 } };
    }
    lines[at] = bad;
    return { bytes: utf8.encode(lines.join('\n')), description: `row ${at + 1} → ${bad}`, certain: { line: at, slack: 1 } };
  }
  const items = JSON.parse(data) as unknown[];
  const kind = rng.pick(['itemType', 'missingKey', 'notArray', 'syntax'] as const);
  if (kind === 'notArray') return { bytes: utf8.encode(JSON.stringify({ examples: items }, null, 2)), description: 'an object instead of an array', certain: { line: 0 } };
  if (kind === 'syntax') {
    const at = rng.int(1, lines.length - 2);
    lines[at] = `${lines[at]},,`;
    return { bytes: utf8.encode(lines.join('\n')), description: `line ${at + 1}: doubled comma`, certain: { line: at, slack: 1 } };
  }
  const index = rng.int(0, items.length - 1);
  items[index] = kind === 'itemType' ? rng.pick([5, 'text', null, [1], true]) : { textInput: 'only input' };
  // One item per line, so that the broken item's line is known.
  const oneLine = `[\n${items.map((i) => `  ${JSON.stringify(i)}`).join(',\n')}\n]\n`;
  return { bytes: utf8.encode(oneLine), description: `item ${index + 1}: ${kind === 'itemType' ? 'not an object' : 'missing output'}`, certain: { line: index + 1 } };
}

/** A data file mutated at random. */
export function randomDataFile(rng: Rng, format: DataFormatName, data: string): Mutant {
  if (format !== 'csv' && rng.chance(0.3)) {
    const lines = splitLines(data);
    const at = rng.int(0, lines.length - 1);
    const value = rng.pick(['{}', '{"textInput": "x", "output": "y", "extra": [1, 2]}', `{"textInput": "${'z'.repeat(rng.int(1, 60_000))}", "output": "y"}`, '{"textInput": "a\\u0000b", "output": "c"}', '{"textInput": "\\ud800", "output": "lone surrogate"}', '{"__proto__": {"x": 1}, "textInput": "p", "output": "q"}', '{"textInput": "x", "output": "y", "textInput": "dup"}']);
    lines[at] = value;
    return { bytes: utf8.encode(lines.join('\n')), description: `line ${at + 1} → ${value.length > 40 ? `${value.slice(0, 30)}…` : value}` };
  }
  return randomMutation(rng, utf8.encode(data));
}

// ---------------------------------------------------------------- prompt notebooks (JSON)

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ODD_VALUES: readonly Json[] = [null, true, false, 0, -1, 1.5, 1e308, -1e-308, '', 'text', '\u0000', [], {}, [1, 'a'], { a: { b: { c: [] } } }, 'x'.repeat(5000)];

function paths(value: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

function setAt(root: Json, at: readonly (string | number)[], value: Json | undefined): Json {
  if (at.length === 0) return value ?? null;
  const parent = at.slice(0, -1).reduce<Json>((node, key) => (node as Record<string, Json>)[key as string], root) as Record<string, Json> | Json[];
  const last = at[at.length - 1];
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last as string];
  } else {
    (parent as Record<string, Json>)[last as string] = value;
  }
  return root;
}

/** Structural mutation of a JSON document: a value swapped for one of another type, removed, or a key added. */
export function mutateJson(rng: Rng, source: string): { text: string; description: string } {
  const root = JSON.parse(source) as Json;
  const all = paths(root);
  const at = rng.pick(all);
  const where = at.length === 0 ? '(root)' : at.join('.');
  const kind = rng.pick(['swap', 'swap', 'remove', 'addKey', 'nest'] as const);
  let description: string;
  if (kind === 'remove' && at.length > 0) {
    setAt(root, at, undefined);
    description = `remove ${where}`;
  } else if (kind === 'addKey') {
    const target = all.filter((p) => {
      const node = p.reduce<Json>((n, k) => (n as Record<string, Json>)[k as string], root);
      return node !== null && typeof node === 'object' && !Array.isArray(node);
    });
    const obj = rng.pick(target);
    const key = rng.pick(['unknown', '__proto__', 'constructor', 'kind', 'format', 'version', '']);
    const node = obj.reduce<Json>((n, k) => (n as Record<string, Json>)[k as string], root) as Record<string, Json>;
    Object.defineProperty(node, key, { value: rng.pick(ODD_VALUES), enumerable: true, configurable: true, writable: true });
    description = `add key ${JSON.stringify(key)} to ${obj.length === 0 ? '(root)' : obj.join('.')}`;
  } else if (kind === 'nest') {
    const depth = rng.int(50, 400);
    let nested: Json = 1;
    for (let i = 0; i < depth; i++) nested = rng.chance(0.5) ? [nested] : { n: nested };
    const out = setAt(root, at, nested);
    return { text: JSON.stringify(out, null, 2), description: `${where} → nested ${depth} deep` };
  } else {
    const value = rng.pick(ODD_VALUES);
    const out = setAt(root, at, value);
    const shown = JSON.stringify(value);
    return { text: JSON.stringify(out, null, 2), description: `${where} → ${shown.length > 20 ? `${shown.slice(0, 12)}…` : shown}` };
  }
  return { text: JSON.stringify(root, null, 2), description };
}

/** A prompt notebook broken for sure (by JSON syntax or by the format's rules). */
export function brokenNotebook(rng: Rng, book: string): Mutant {
  const lines = splitLines(book);
  const kind = rng.pick(['trailingComma', 'truncate', 'unknownProperty', 'newerVersion', 'cellKind', 'temperature', 'wrongFormat', 'notObject'] as const);
  switch (kind) {
    case 'trailingComma': {
      const closers = lines.map((l, i) => (/^\s*[}\]],?$/.test(l) && i > 0 && !lines[i - 1].trim().endsWith(',') && !/[[{]$/.test(lines[i - 1].trim()) ? i : -1)).filter((i) => i >= 0);
      const at = rng.pick(closers);
      lines[at - 1] = `${lines[at - 1]},`;
      return { bytes: utf8.encode(lines.join('\n')), description: `trailing comma on line ${at}`, certain: { line: at, slack: 1 } };
    }
    case 'truncate': {
      const end = book.trimEnd().length;
      const at = rng.int(1, end - 1);
      return { bytes: utf8.encode(book.slice(0, at)), description: `truncate at char ${at}`, certain: {} };
    }
    case 'unknownProperty': {
      const at = lines.findIndex((l) => l.includes('"version"'));
      lines.splice(at + 1, 0, '  "surprise": 1,');
      return { bytes: utf8.encode(lines.join('\n')), description: 'unknown top-level property', certain: { line: at + 1 } };
    }
    case 'newerVersion': {
      const at = lines.findIndex((l) => l.includes('"version"'));
      lines[at] = `  "version": ${rng.pick(['2', '0', '1.5', '"1"', 'null', '-3'])},`;
      return { bytes: utf8.encode(lines.join('\n')), description: `version → ${lines[at].trim()}`, certain: { line: at } };
    }
    case 'cellKind': {
      const kinds = lines.map((l, i) => (l.includes('"kind"') ? i : -1)).filter((i) => i >= 0);
      const at = rng.pick(kinds);
      lines[at] = lines[at].replace(/"kind": "[^"]*"/, `"kind": ${rng.pick(['"code"', '"raw"', '3', 'null', '""'])}`);
      return { bytes: utf8.encode(lines.join('\n')), description: `cell kind → ${lines[at].trim()}`, certain: { line: at } };
    }
    case 'temperature': {
      const at = lines.findIndex((l) => l.includes('"temperature"'));
      lines[at] = lines[at].replace(/"temperature": [^,]*/, `"temperature": ${rng.pick(['"hot"', 'true', '[0]', '{}', 'null'])}`);
      return { bytes: utf8.encode(lines.join('\n')), description: `temperature → ${lines[at].trim()}`, certain: { line: at } };
    }
    case 'wrongFormat': {
      const at = lines.findIndex((l) => l.includes('"format"'));
      lines[at] = `  "format": ${rng.pick(['"jupyter"', '1', 'null', '"gemini-tuning.tunebook "'])},`;
      return { bytes: utf8.encode(lines.join('\n')), description: `format → ${lines[at].trim()}`, certain: { line: at } };
    }
    case 'notObject': {
      const value = rng.pick(['[]', '"a notebook"', '42', 'null', 'true']);
      return { bytes: utf8.encode(value), description: `root is ${value}`, certain: { line: 0 } };
    }
  }
}

/** A prompt notebook mutated at random: structurally (any value of another type) or as bytes. */
export function randomNotebook(rng: Rng, book: string): Mutant {
  if (rng.chance(0.5)) {
    const { text: mutated, description } = mutateJson(rng, book);
    if (rng.chance(0.7)) return { bytes: utf8.encode(mutated), description };
    const more = randomMutation(rng, utf8.encode(mutated));
    return { bytes: more.bytes, description: `${description}; ${more.description}` };
  }
  return randomMutation(rng, utf8.encode(book));
}
