import { formatCount, type SpecDiagnostic, type DiagnosticCode } from './diagnostics';
import { type Range } from './positions';

/** Limits of one tuning example, from the Gemini API documentation. */
export const MAX_INPUT_CHARS = 40_000;
export const MAX_OUTPUT_CHARS = 5_000;

/** Character limits of one example; a limit left out is not checked. */
export interface ExampleLimits {
  maxInputChars?: number;
  maxOutputChars?: number;
}

export const GEMINI_EXAMPLE_LIMITS: ExampleLimits = Object.freeze({ maxInputChars: MAX_INPUT_CHARS, maxOutputChars: MAX_OUTPUT_CHARS });
/** Vertex AI limits an example by tokens (input and output together), which its own rule checks. */
export const VERTEX_EXAMPLE_LIMITS: ExampleLimits = Object.freeze({});
/** The Gemini API's documented minimum number of training examples. */
export const MIN_TRAINING_EXAMPLES = 20;

/**
 * Where a set of examples came from: the spec's inline list or one data file. Shared by all its
 * examples, which only carry a number (line or index): a 50 MB file holds a million of them.
 */
export interface ExampleOrigin {
  file: string;
  /** How to name one place in a message: `examples[3]`, `line 12 of capitals.jsonl`. */
  describe(at: number): string;
  range(at: number): Range;
}

/** One example as read from the spec or a data file. */
export interface LoadedExample {
  textInput: string;
  output: string;
  origin: ExampleOrigin;
  /** Line number or index, as the origin understands it. */
  at: number;
}

function fileOf(e: LoadedExample): string {
  return e.origin.file;
}

function rangeOf(e: LoadedExample): Range {
  return e.origin.range(e.at);
}

function whereOf(e: LoadedExample): string {
  return e.origin.describe(e.at);
}

export interface ExampleProblem {
  code: DiagnosticCode;
  message: string;
}

/** Length and emptiness rules for examples read from data files (inline ones go through the schema). */
export function exampleProblems(textInput: string, output: string, limits: ExampleLimits = GEMINI_EXAMPLE_LIMITS): ExampleProblem[] {
  const problems: ExampleProblem[] = [];
  const { maxInputChars, maxOutputChars } = limits;
  if (maxInputChars !== undefined && textInput.length > maxInputChars) {
    problems.push({ code: 'example-too-long', message: `The textInput is ${formatCount(textInput.length)} characters long; the maximum is ${formatCount(maxInputChars)}` });
  }
  if (output.trim() === '') {
    problems.push({ code: 'empty-output', message: 'The output is empty: every example needs an output' });
  } else if (maxOutputChars !== undefined && output.length > maxOutputChars) {
    problems.push({ code: 'example-too-long', message: `The output is ${formatCount(output.length)} characters long; the maximum is ${formatCount(maxOutputChars)}` });
  }
  return problems;
}

/** Warns on each example that repeats an earlier one exactly, pointing back at the first. */
export function duplicateDiagnostics(examples: readonly LoadedExample[], kind: 'training' | 'validation'): SpecDiagnostic[] {
  const first = new Map<string, LoadedExample>();
  const out: SpecDiagnostic[] = [];
  for (const example of examples) {
    const key = `${example.textInput}\u0000${example.output}`;
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, example);
      continue;
    }
    out.push({
      file: fileOf(example),
      range: rangeOf(example),
      severity: 'warning',
      code: 'duplicate-example',
      message: `Duplicate ${kind} example: the same textInput and output as ${whereOf(earlier)}`,
      related: [{ file: fileOf(earlier), range: rangeOf(earlier), message: 'First occurrence' }],
    });
  }
  return out;
}

/** Warns on validation examples that also appear in the training data: they would not measure anything. */
export function leakedValidationDiagnostics(training: readonly LoadedExample[], validation: readonly LoadedExample[]): SpecDiagnostic[] {
  if (validation.length === 0) return [];
  const trained = new Map<string, LoadedExample>();
  for (const example of training) trained.set(`${example.textInput}\u0000${example.output}`, example);
  const out: SpecDiagnostic[] = [];
  for (const example of validation) {
    const same = trained.get(`${example.textInput}\u0000${example.output}`);
    if (!same) continue;
    out.push({
      file: fileOf(example),
      range: rangeOf(example),
      severity: 'warning',
      code: 'duplicate-example',
      message: `This validation example is also a training example (${whereOf(same)}); held-out examples must not be trained on`,
      related: [{ file: fileOf(same), range: rangeOf(same), message: 'Training example' }],
    });
  }
  return out;
}
