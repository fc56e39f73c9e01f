import { modelLabel } from '../../../core/tunedModels/presentation';
import { type ModelArgument, type ModelCommandDeps, selectedModels } from './modelResolver';

/** Deletes a model after a confirmation that names it, or all the models selected together. */
export async function deleteModel(deps: ModelCommandDeps, arg?: ModelArgument, selection?: unknown): Promise<boolean> {
  const { connection, store, log } = deps;
  const where = connection.kind === 'local' ? 'the local server' : 'the Gemini API';
  const several = selectedModels(arg, selection);
  if (several.length > 1) return deleteModels(deps, several, where);
  const model = await deps.resolveModel(arg, 'Delete Tuned Model');
  if (!model) return false;
  const label = modelLabel(model);
  const confirmed = await deps.prompts.confirm(`Delete the tuned model "${label}"?`, {
    detail: `${model.name} will be deleted from ${where}. This cannot be undone.`,
    confirmLabel: 'Delete',
  });
  if (!confirmed) return false;
  await (await deps.backend()).deleteModel(model.name);
  log.info(`deleted ${model.name}`);
  store.remove(model.name);
  void store.refresh();
  return true;
}

/** One confirmation that names them all; every model is tried, and the failures are reported together. */
async function deleteModels(deps: ModelCommandDeps, names: readonly string[], where: string): Promise<boolean> {
  const { store, log } = deps;
  const labels = names.map((name) => {
    const model = store.get(name);
    return model ? `"${modelLabel(model)}" (${name})` : name;
  });
  const shown = labels.length > 10 ? [...labels.slice(0, 10), `and ${labels.length - 10} more`] : labels;
  const confirmed = await deps.prompts.confirm(`Delete ${names.length} tuned models?`, {
    detail: `${shown.join('\n')}\n\nThey will be deleted from ${where}. This cannot be undone.`,
    confirmLabel: `Delete ${names.length} Models`,
  });
  if (!confirmed) return false;
  const backend = await deps.backend();
  const failures: unknown[] = [];
  for (const name of names) {
    try {
      await backend.deleteModel(name);
      log.info(`deleted ${name}`);
      store.remove(name);
    } catch (error) {
      failures.push(error);
      log.error(`could not delete ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  void store.refresh();
  if (failures.length) throw new Error(`${failures.length} of ${names.length} models were not deleted. ${failures[0] instanceof Error ? failures[0].message : String(failures[0])}`);
  return true;
}
