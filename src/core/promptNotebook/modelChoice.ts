/** Which model a prompt notebook command works on: from its argument, or from a list to pick from. */
import { checkpointModelName, parseCheckpointModelName, type TunedCheckpoint, type TunedModelInfo } from '../tuning/model';

/**
 * The model a command was invoked on: a resource name, a tree item (`{ model: TunedModelInfo }`), or
 * an object that names a model (`name`, `modelName` or `id` starting with `tunedModels/` or `models/`).
 */
export function modelNameOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (!arg || typeof arg !== 'object') return undefined;
  const record = arg as Record<string, unknown>;
  const nested = record.model;
  if (nested && typeof nested === 'object' && typeof (nested as { name?: unknown }).name === 'string') return (nested as { name: string }).name;
  for (const key of ['name', 'modelName', 'id']) {
    const value = record[key];
    if (typeof value === 'string' && /^(tunedModels|models)\//.test(value)) return value;
  }
  return undefined;
}

export function baseModelOf(model: Pick<TunedModelInfo, 'baseModel'> | undefined): string | undefined {
  return model?.baseModel;
}

/** The tuned model a notebook model names: itself, or the model one of whose checkpoints it names. */
export function owningModelName(model: string): string {
  return parseCheckpointModelName(model)?.modelName ?? model;
}

/**
 * The checkpoints of a model a person can prompt on their own, named as `checkpointModelName`
 * does: every checkpoint except one that serves from the model's own endpoint (the last one, on
 * Vertex AI), which the model itself stands for.
 */
export function promptableCheckpoints(model: Pick<TunedModelInfo, 'name' | 'generationModel' | 'checkpoints'>): { model: string; checkpoint: TunedCheckpoint }[] {
  return (model.checkpoints ?? [])
    .filter((c) => c.generationModel !== model.generationModel)
    .map((checkpoint) => ({ model: checkpointModelName(model.name, checkpoint.id), checkpoint }));
}

/** How a checkpoint is shown: `checkpoint 2 (epoch 2, step 10)`. */
export function checkpointLabel(checkpoint: TunedCheckpoint): string {
  const where = [checkpoint.epoch !== undefined ? `epoch ${checkpoint.epoch}` : undefined, checkpoint.step !== undefined ? `step ${checkpoint.step}` : undefined].filter(Boolean);
  return `checkpoint ${checkpoint.id}${where.length > 0 ? ` (${where.join(', ')})` : ''}`;
}

/**
 * The Vertex AI base models to offer: the configured ones, then any other that a listed job was
 * tuned from (a model since retired from the setting still serves its jobs' comparisons), each once.
 */
export function vertexBaseModels(models: readonly Pick<TunedModelInfo, 'backend' | 'baseModel'>[], configured: readonly string[] = []): string[] {
  const names = new Set<string>(configured);
  for (const m of models) if (m.backend === 'vertex' && m.baseModel) names.add(m.baseModel);
  return [...names];
}

export interface ModelChoice {
  model: string;
  label: string;
  description: string;
  detail?: string;
}

/** ACTIVE tuned models first, then (unless `onlyTuned`) the base models, as a quick pick lists them. */
export function modelChoices(tuned: readonly TunedModelInfo[], baseModels: readonly string[], onlyTuned: boolean): ModelChoice[] {
  const choices: ModelChoice[] = tuned
    .filter((m) => m.state === 'active' && !!m.name)
    .flatMap((m) => [
      { model: m.name, label: m.displayName || m.name, description: m.name, detail: `tuned from ${baseModelOf(m) ?? 'another model'}` },
      ...promptableCheckpoints(m).map(({ model, checkpoint }) => ({ model, label: `${m.displayName || m.name} — ${checkpointLabel(checkpoint)}`, description: model, detail: `a checkpoint of ${m.name}` })),
    ]);
  if (!onlyTuned) choices.push(...baseModels.map((name) => ({ model: name, label: name, description: 'base model' })));
  return choices;
}

export function noModelsMessage(onlyTuned: boolean): string {
  return onlyTuned ? 'There is no ACTIVE tuned model on this backend yet.' : 'This backend lists no models yet.';
}

/** Why a notebook's model cannot be compared with its base model. */
export function noBaseModelMessage(model: string): string {
  return model.startsWith('models/') ? `${model} is a base model already: choose a tuned model to compare.` : `The base model of ${model} is not known on this backend.`;
}
