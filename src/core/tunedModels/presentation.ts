import { type CreateTunedModelMetadata, type Operation, type TunedModel } from '../api/types';

/** The id part of `tunedModels/{id}`. */
export function modelId(name: string | undefined): string {
  return (name ?? '').replace(/^tunedModels\//, '');
}

export function modelLabel(model: TunedModel): string {
  return model.displayName?.trim() || modelId(model.name) || '(unnamed model)';
}

/** The base model, or for a model tuned from another, that source model. */
export function modelOrigin(model: TunedModel): string {
  if (model.baseModel) return model.baseModel.replace(/^models\//, '');
  const source = model.tunedModelSource;
  if (source?.tunedModel) return `from ${modelId(source.tunedModel)}`;
  return source?.baseModel?.replace(/^models\//, '') ?? '';
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

/** Percent complete from the operation metadata, when the backend reports it. */
export function progressPercent(operation: Operation | undefined): number | undefined {
  const metadata: CreateTunedModelMetadata | undefined = operation?.metadata;
  if (!metadata) return undefined;
  if (typeof metadata.completedPercent === 'number') return clampPercent(metadata.completedPercent);
  if (metadata.totalSteps) return clampPercent(((metadata.completedSteps ?? 0) / metadata.totalSteps) * 100);
  return undefined;
}

function clampPercent(value: number): number {
  return Math.max(0, Math.min(100, Math.floor(value)));
}

export function modelDescription(model: TunedModel, now: number, operation?: Operation): string {
  const parts: string[] = [];
  if (model.state === 'CREATING' || model.state === undefined || model.state === 'STATE_UNSPECIFIED') {
    const percent = progressPercent(operation);
    if (percent !== undefined) parts.push(`${percent}%`);
  }
  const origin = modelOrigin(model);
  if (origin) parts.push(origin);
  const age = formatAge(model.createTime, now);
  if (age) parts.push(age);
  return parts.join(' · ');
}

export type ModelIcon = { id: 'loading~spin' | 'pass' | 'error' | 'circle-outline'; color?: 'testing.iconPassed' | 'testing.iconFailed' };

export function modelIcon(model: TunedModel): ModelIcon {
  switch (model.state) {
    case 'ACTIVE':
      return { id: 'pass', color: 'testing.iconPassed' };
    case 'FAILED':
      return { id: 'error', color: 'testing.iconFailed' };
    case 'CREATING':
      return { id: 'loading~spin' };
    default:
      return { id: 'circle-outline' };
  }
}

/** `contextValue` of a model item; menus in package.json match on it with `viewItem =~ /^tunedModel\./`. */
export function modelContextValue(model: TunedModel): string {
  switch (model.state) {
    case 'ACTIVE':
      return 'tunedModel.active';
    case 'FAILED':
      return 'tunedModel.failed';
    default:
      return 'tunedModel.creating';
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

/** The item tooltip: every detail a person needs to tell a model apart, as Markdown. */
export function modelTooltipMarkdown(model: TunedModel, now: number, operation?: Operation): string {
  const rows: Array<[string, string | undefined]> = [];
  rows.push(['Name', model.name]);
  if (model.description) rows.push(['Description', model.description]);
  rows.push(['State', model.state]);
  if (model.baseModel) rows.push(['Base model', model.baseModel]);
  if (model.tunedModelSource?.tunedModel) {
    rows.push(['Source model', model.tunedModelSource.tunedModel]);
    if (model.tunedModelSource.baseModel) rows.push(['Source base model', model.tunedModelSource.baseModel]);
  }
  const hp = model.tuningTask?.hyperparameters;
  if (hp) {
    const parts = [
      hp.epochCount !== undefined ? `epochs ${hp.epochCount}` : undefined,
      hp.batchSize !== undefined ? `batch ${hp.batchSize}` : undefined,
      hp.learningRate !== undefined ? `learning rate ${formatNumber(hp.learningRate)}` : undefined,
      hp.learningRateMultiplier !== undefined ? `learning rate × ${formatNumber(hp.learningRateMultiplier)}` : undefined,
    ].filter((p): p is string => p !== undefined);
    if (parts.length) rows.push(['Hyperparameters', parts.join(', ')]);
  }
  const sampling = [
    model.temperature !== undefined ? `temperature ${formatNumber(model.temperature)}` : undefined,
    model.topP !== undefined ? `topP ${formatNumber(model.topP)}` : undefined,
    model.topK !== undefined ? `topK ${model.topK}` : undefined,
  ].filter((p): p is string => p !== undefined);
  if (sampling.length) rows.push(['Sampling', sampling.join(', ')]);
  const percent = progressPercent(operation);
  if (model.state === 'CREATING' && percent !== undefined) {
    const md = operation?.metadata;
    rows.push(['Progress', `${percent}%${md?.totalSteps ? ` (step ${md.completedSteps ?? 0} of ${md.totalSteps})` : ''}`]);
  }
  const time = (t: string | undefined) => (t ? `${t} (${formatAge(t, now)})` : undefined);
  rows.push(['Created', time(model.createTime)]);
  rows.push(['Updated', time(model.updateTime)]);
  rows.push(['Training started', time(model.tuningTask?.startTime)]);
  rows.push(['Training completed', time(model.tuningTask?.completeTime)]);
  const snapshots = model.tuningTask?.snapshots?.length ? model.tuningTask.snapshots : (operation?.metadata?.snapshots ?? []);
  rows.push(['Snapshots', String(snapshots.length)]);
  const lastLoss = snapshots.length ? snapshots[snapshots.length - 1].meanLoss : undefined;
  if (lastLoss !== undefined) rows.push(['Last loss', formatNumber(lastLoss)]);
  if (operation?.error?.message) rows.push(['Error', operation.error.message]);

  const title = `**${escapeMarkdown(modelLabel(model))}**`;
  const body = rows
    .filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '')
    .map(([k, v]) => `${k}: ${escapeMarkdown(v)}`)
    .join('  \n');
  return `${title}\n\n${body}`;
}
