import { buildPatch, type EditableField, type ModelEdits, parseFieldInput } from '../../../core/tunedModels/edits';
import { modelLabel } from '../../../core/tunedModels/presentation';
import { type TunedModelInfo } from '../../../core/tuning/model';
import { type Prompts } from '../../ui/prompts';
import { type ModelCommandDeps, type NamedModel } from './modelResolver';

/** Rename and Edit both patch a model with the fields a person changed. */
export type EditDeps = ModelCommandDeps;

/** Patches exactly the fields that differ; a model with no changes is returned as it is. */
export async function applyEdits(deps: EditDeps, model: NamedModel, edits: ModelEdits): Promise<TunedModelInfo | undefined> {
  const patch = buildPatch(model, edits);
  if (!patch) return model;
  deps.log.info(`patching ${model.name} with updateMask ${patch.updateMask.join(',')}`);
  const { name, ...changes } = patch.model;
  const updated = await (await deps.backend()).updateModel(name, changes, patch.updateMask);
  deps.store.upsert(updated);
  return updated;
}

/** Asks for one field's new value, checked as it is typed; undefined when the person cancels. */
export async function askField(prompts: Prompts, model: TunedModelInfo, field: EditableField, current: unknown): Promise<{ value: unknown } | undefined> {
  const input = await prompts.input({
    title: `${fieldLabel(field)} of ${modelLabel(model)}`,
    prompt: fieldPrompt(field),
    value: current === undefined ? '' : String(current),
    validateInput: (text) => {
      const parsed = parseFieldInput(field, text);
      return 'error' in parsed ? parsed.error : undefined;
    },
  });
  if (input === undefined) return undefined;
  const parsed = parseFieldInput(field, input);
  if ('error' in parsed) throw new Error(parsed.error);
  return { value: parsed.value };
}

export function fieldLabel(field: EditableField): string {
  switch (field) {
    case 'displayName':
      return 'Display name';
    case 'description':
      return 'Description';
    case 'temperature':
      return 'Temperature';
    case 'topP':
      return 'topP';
    case 'topK':
      return 'topK';
  }
}

function fieldPrompt(field: EditableField): string {
  switch (field) {
    case 'displayName':
      return 'At most 40 characters.';
    case 'description':
      return 'A description of the model.';
    case 'temperature':
      return 'Default sampling temperature, 0 to 1.';
    case 'topP':
      return 'Default nucleus sampling probability, 0 to 1.';
    case 'topK':
      return 'Default number of tokens considered for sampling, a whole number.';
  }
}
