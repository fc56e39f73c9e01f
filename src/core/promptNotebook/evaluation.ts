/** The evaluation notebook: one prompt cell per held-out example, and the results table. */
import { escapeMarkdownText, markdownCodeSpan } from '../util/inertText';
import { type Tunebook, type TunebookCell } from './tunebookFormat';
import { type ExampleScore, formatPercent, type OverallScore } from './scoring';
import { type LoadedExample } from '../tuningSpec/examples';

export interface HeldOutExample {
  textInput: string;
  output: string;
  /** Where it came from, e.g. `validation.examples[2]` or `line 3 of held-out.jsonl`. */
  where: string;
}

export function heldOutExamples(validation: readonly LoadedExample[]): HeldOutExample[] {
  return validation.map((e) => ({ textInput: e.textInput, output: e.output, where: e.origin.describe(e.at) }));
}

export function noHeldOutMessage(specName: string): string {
  return `${specName} has no validation: examples to evaluate on. Add held-out examples under validation: (examples or examplesFile).`;
}

export interface EvaluatedExample {
  input: string;
  expected: string;
  answer: string;
  /** Missing when the run failed. */
  score: ExampleScore | undefined;
}

/** Pairs each prompt with its held-out example and the result of its run (missing when it never ran). */
export function evaluatedExamples(
  inputs: readonly string[],
  examples: readonly HeldOutExample[],
  results: readonly ({ ok: boolean; text: string; score?: ExampleScore } | undefined)[],
): EvaluatedExample[] {
  return inputs.map((input, i) => ({
    input,
    expected: examples[i].output,
    answer: results[i]?.text ?? '',
    score: results[i]?.ok ? results[i]?.score : undefined,
  }));
}

export function describeEvaluation(model: string, overall: OverallScore): string {
  return `evaluated ${model} on ${overall.count} examples: exact ${overall.exactMatches}/${overall.count}, mean token F1 ${overall.meanTokenF1.toFixed(3)}, mean edit similarity ${overall.meanEditSimilarity.toFixed(3)}`;
}

/** The headline of one cell's score output: the three measures side by side. */
export function describeExampleScore(score: ExampleScore): string {
  return `${score.exactMatch ? '✓ exact match' : '✗ not an exact match'} · token F1 ${formatPercent(score.tokenF1)} · edit similarity ${formatPercent(score.editSimilarity)}`;
}

export const RESULTS_HEADING = '## Results';

/** Evaluations run at temperature 0 so that the scores are repeatable. */
export function evaluationBook(model: string, specName: string, examples: readonly HeldOutExample[]): Tunebook {
  const cells: TunebookCell[] = [
    {
      kind: 'markdown',
      source: `# Evaluation of ${markdownCodeSpan(model)}\n\nHeld-out examples from ${markdownCodeSpan(specName)} (${examples.length}), run at temperature 0. Each answer is scored against the expected output by exact match and token F1 (both as in SQuAD: ignoring case, punctuation, articles and spacing) and by edit similarity (1 − edit distance / the longer length).`,
    },
    ...examples.map(
      (e): TunebookCell => ({ kind: 'prompt', source: e.textInput, metadata: { evaluation: { expected: e.output, where: e.where } } }),
    ),
    { kind: 'markdown', source: `${RESULTS_HEADING}\n\nNot run yet.` },
  ];
  return { metadata: { model, chat: false, generationConfig: { temperature: 0 } }, cells };
}

function tableCell(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const short = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  // Inputs come from specs and may hold Markdown, HTML or links: they are shown as the text they are.
  return escapeMarkdownText(short) || ' ';
}

export function resultsMarkdown(rows: readonly { input: string; score: ExampleScore | undefined }[], overall: OverallScore): string {
  const lines = [
    RESULTS_HEADING,
    '',
    `**Exact match ${overall.exactMatches}/${overall.count} (${formatPercent(overall.exactMatchRate)}) · mean token F1 ${formatPercent(overall.meanTokenF1)} · mean edit similarity ${formatPercent(overall.meanEditSimilarity)}**`,
    '',
    '| # | Input | Exact | Token F1 | Edit similarity |',
    '|---:|---|:---:|---:|---:|',
    ...rows.map(
      (r, i) =>
        `| ${i + 1} | ${tableCell(r.input)} | ${r.score ? (r.score.exactMatch ? '✓' : '✗') : 'failed'} | ${r.score ? formatPercent(r.score.tokenF1) : '—'} | ${r.score ? formatPercent(r.score.editSimilarity) : '—'} |`,
    ),
  ];
  return lines.join('\n');
}
