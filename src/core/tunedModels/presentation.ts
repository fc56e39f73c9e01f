import { isInFlight, stateLabel, type TunedModelInfo, type TuningProgress } from '../tuning/model';
import { describeEstimate, type JobEstimate } from './eta';

/** The id part of `tunedModels/{id}`. */
export function modelId(name: string | undefined): string {
  return (name ?? '').replace(/^tunedModels\//, '');
}

export function modelLabel(model: Pick<TunedModelInfo, 'displayName' | 'name'>): string {
  return model.displayName?.trim() || modelId(model.name) || '(unnamed model)';
}

/** The base model, or for a model tuned from another, that source model. */
export function modelOrigin(model: TunedModelInfo): string {
  if (model.sourceModel) return `from ${modelId(model.sourceModel)}`;
  return model.baseModel?.replace(/^models\//, '') ?? '';
}

/** "just now", "5 min ago", "3 h ago", "2 d ago", then a date. */
export function formatAge(time: string | undefined, now: number): string {
  if (!time) return '';
  const then = Date.parse(time);
  if (Number.isNaN(then)) return '';
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 30) return `${days} d ago`;
  return new Date(then).toISOString().slice(0, 10);
}

/** Percent complete, when the backend reports it. */
export function progressPercent(progress: TuningProgress | undefined): number | undefined {
  return progress?.percent;
}

export function modelDescription(model: TunedModelInfo, now: number): string {
  const parts: string[] = [];
  if (isInFlight(model.state)) {
    const percent = progressPercent(model.progress);
    if (percent !== undefined) parts.push(`${percent}%`);
    if (model.stateDetail) parts.push(model.stateDetail);
  }
  const origin = modelOrigin(model);
  if (origin) parts.push(origin);
  const age = formatAge(model.createTime, now);
  if (age) parts.push(age);
  return parts.join(' · ');
}

export type ModelIcon = { id: 'loading~spin' | 'pass' | 'error' | 'circle-outline'; color?: 'testing.iconPassed' | 'testing.iconFailed' };

export function modelIcon(model: TunedModelInfo): ModelIcon {
  switch (model.state) {
    case 'active':
      return { id: 'pass', color: 'testing.iconPassed' };
    case 'failed':
    case 'cancelled':
      return { id: 'error', color: 'testing.iconFailed' };
    case 'creating':
      return { id: 'loading~spin' };
    default:
      return { id: 'circle-outline' };
  }
}

/**
 * `contextValue` of a model item; menus in package.json match on it with `viewItem =~ /^tunedModel\./`.
 * Vertex AI tuning jobs are `vertexTuningJob.*`, so that they get only the menu entries their backend serves.
 */
export function modelContextValue(model: TunedModelInfo): string {
  const prefix = model.backend === 'vertex' ? 'vertexTuningJob' : 'tunedModel';
  switch (model.state) {
    case 'active':
      return `${prefix}.active`;
    case 'failed':
    case 'cancelled':
      return `${prefix}.failed`;
    default:
      return `${prefix}.creating`;
  }
}

/**
 * Escapes text for Markdown so that names and descriptions, which come from the network, render
 * as the plain text they are.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

function formatNumber(value: number | undefined): string | undefined {
  return value === undefined ? undefined : String(Number(value.toPrecision(6)));
}

/** The item tooltip: every detail a person needs to tell a model apart, as Markdown; `estimate` is the running job's time left. */
export function modelTooltipMarkdown(model: TunedModelInfo, now: number, estimate?: JobEstimate): string {
  const rows: Array<[string, string | undefined]> = [];
  rows.push(['Name', model.name]);
  if (model.description) rows.push(['Description', model.description]);
  rows.push(['State', stateLabel(model.state)]);
  if (model.sourceModel) {
    rows.push(['Source model', model.sourceModel]);
    if (model.baseModel) rows.push(['Source base model', model.baseModel]);
  } else if (model.baseModel) rows.push(['Base model', model.baseModel]);
  const hp = model.hyperparameters;
  if (hp) {
    const parts = [
      hp.epochCount !== undefined ? `epochs ${hp.epochCount}` : undefined,
      hp.batchSize !== undefined ? `batch ${hp.batchSize}` : undefined,
      hp.learningRate !== undefined ? `learning rate ${formatNumber(hp.learningRate)}` : undefined,
      hp.learningRateMultiplier !== undefined ? `learning rate × ${formatNumber(hp.learningRateMultiplier)}` : undefined,
      hp.adapterSize !== undefined ? `adapter ${hp.adapterSize}` : undefined,
    ].filter((p): p is string => p !== undefined);
    if (parts.length) rows.push(['Hyperparameters', parts.join(', ')]);
  }
  const { temperature, topP, topK } = model.sampling;
  const sampling = [
    temperature !== undefined ? `temperature ${formatNumber(temperature)}` : undefined,
    topP !== undefined ? `topP ${formatNumber(topP)}` : undefined,
    topK !== undefined ? `topK ${topK}` : undefined,
  ].filter((p): p is string => p !== undefined);
  if (sampling.length) rows.push(['Sampling', sampling.join(', ')]);
  const progress = model.progress;
  const percent = progressPercent(progress);
  if (model.state === 'creating' && percent !== undefined) {
    rows.push(['Progress', `${percent}%${progress?.totalSteps ? ` (step ${progress.completedSteps ?? 0} of ${progress.totalSteps})` : ''}`]);
  }
  if (isInFlight(model.state) && estimate) rows.push(['Time left', describeEstimate(estimate)]);
  const time = (t: string | undefined) => (t ? `${t} (${formatAge(t, now)})` : undefined);
  rows.push(['Created', time(model.createTime)]);
  rows.push(['Updated', time(model.updateTime)]);
  rows.push(['Training started', time(model.startTime)]);
  rows.push(['Training completed', time(model.endTime)]);
  rows.push(['Snapshots', String(model.loss.length)]);
  const lastLoss = model.loss.length ? model.loss[model.loss.length - 1].loss : undefined;
  if (lastLoss !== undefined) rows.push(['Last loss', formatNumber(lastLoss)]);
  if (model.stateDetail) rows.push([isInFlight(model.state) ? 'Detail' : 'Error', model.stateDetail]);

  const title = `**${escapeMarkdown(modelLabel(model))}**`;
  const body = rows
    .filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '')
    .map(([k, v]) => `${k}: ${escapeMarkdown(v)}`)
    .join('  \n');
  return `${title}\n\n${body}`;
}
