/** The text of a model's Details document: the backend's own JSON, after a readable summary where the backend reports more than the JSON says at a glance. */
import { stateLabel, type DatasetDistributionSummary, type TunedModelInfo, type TuningDataStats } from '../tuning/model';

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

function n(value: number): string {
  return numberFormat.format(value);
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${n(count)} ${count === 1 ? one : many}`;
}

/** `min 3, median 5, mean 5.2, p95 8, max 9, total 60`, leaving out what the backend did not report. */
export function describeDistribution(d: DatasetDistributionSummary): string {
  const reported: [string, number | undefined][] = [
    ['min', d.min],
    ['p5', d.p5],
    ['median', d.median],
    ['mean', d.mean],
    ['p95', d.p95],
    ['max', d.max],
    ['total', d.sum],
  ];
  const parts = reported.filter(([, value]) => value !== undefined && Number.isFinite(value)).map(([label, value]) => `${label} ${n(value as number)}`);
  return parts.length > 0 ? parts.join(', ') : 'not reported';
}

/** The backend's statistics of the training data as lines a person reads. */
export function describeDataStats(stats: TuningDataStats): string[] {
  const totals = [
    stats.exampleCount !== undefined ? plural(stats.exampleCount, 'example') : undefined,
    stats.billableTokenCount !== undefined ? plural(stats.billableTokenCount, 'billable token') : undefined,
    stats.characterCount !== undefined ? plural(stats.characterCount, 'character') : undefined,
    stats.stepCount !== undefined ? plural(stats.stepCount, 'tuning step') : undefined,
  ].filter((part): part is string => part !== undefined);
  const lines = [`Training data: ${totals.length > 0 ? totals.join(', ') : 'no totals reported'}`];
  if (stats.inputTokens) lines.push(`Input tokens per example: ${describeDistribution(stats.inputTokens)}`);
  if (stats.outputTokens) lines.push(`Output tokens per example: ${describeDistribution(stats.outputTokens)}`);
  if (stats.messagesPerExample) lines.push(`Messages per example: ${describeDistribution(stats.messagesPerExample)}`);
  const truncated = stats.truncatedExampleCount ?? stats.truncatedExampleIndices?.length;
  if (truncated !== undefined) {
    const indices = stats.truncatedExampleIndices ?? [];
    const shown = indices.slice(0, 20).join(', ');
    lines.push(
      truncated === 0
        ? 'Truncated examples: none'
        : `Truncated examples: ${n(truncated)}${indices.length > 0 ? ` (at indices ${shown}${indices.length > 20 ? `, and ${n(indices.length - 20)} more` : ''})` : ''}; they were cut to the model's token limit`,
    );
  }
  const dropped = stats.droppedExampleReasons ?? [];
  lines.push(dropped.length === 0 ? 'Dropped examples: none' : `Dropped examples: ${n(dropped.length)}`);
  for (const reason of dropped.slice(0, 20)) lines.push(`  - ${reason}`);
  if (dropped.length > 20) lines.push(`  - and ${n(dropped.length - 20)} more`);
  return lines;
}

/** The summary lines of a Vertex AI job: state, why it failed, what its data held, where it serves. */
export function describeJob(model: TunedModelInfo): string[] {
  const lines = [`${model.displayName ? `${model.displayName} — ` : ''}${stateLabel(model.state)}${model.state !== 'failed' && model.stateDetail ? ` (${model.stateDetail})` : ''}`];
  if (model.state === 'failed') lines.push(`Error: ${model.stateDetail ?? 'the backend gave no reason'}`);
  if (model.dataStats) lines.push(...describeDataStats(model.dataStats));
  else if (model.state === 'creating') lines.push('Training data: statistics appear once the dataset has been processed');
  if (model.generationModel) lines.push(`Endpoint: ${model.generationModel}`);
  for (const c of model.checkpoints ?? []) {
    const where = [c.epoch !== undefined ? `epoch ${c.epoch}` : undefined, c.step !== undefined ? `step ${c.step}` : undefined].filter(Boolean).join(', ');
    lines.push(`Checkpoint ${c.id}${where ? ` (${where})` : ''}: ${c.generationModel}`);
  }
  return lines;
}

/**
 * The Details document: the backend's JSON as it returned it. A Vertex AI job's starts with its
 * summary as comments (JSON with comments), since its statistics and error are deep in the JSON.
 */
export function modelDetailsText(model: TunedModelInfo): string {
  const json = JSON.stringify(model.raw, null, 2);
  if (model.backend !== 'vertex') return json + '\n';
  const summary = [...describeJob(model), 'The tuning job as Vertex AI returns it:'];
  return `${summary.map((line) => `// ${line}`).join('\n')}\n${json}\n`;
}
