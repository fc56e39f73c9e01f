import { type ModelChanges } from '../tuning/backend';
import { type TunedModelInfo } from '../tuning/model';

/** The fields a person may change on a tuned model, with the updateMask path of each. */
export const EDITABLE_FIELDS = ['displayName', 'description', 'temperature', 'topP', 'topK'] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];

export type ModelEdits = Pick<ModelChanges, EditableField>;

export interface ModelPatch {
  readonly model: ModelEdits & { name: string };
  readonly updateMask: EditableField[];
}

/** The current value of an editable field. */
export function fieldValue(model: Pick<TunedModelInfo, 'displayName' | 'description' | 'sampling'>, field: EditableField): string | number | undefined {
  switch (field) {
    case 'displayName':
    case 'description':
      return model[field];
    default:
      return model.sampling[field];
  }
}

/** The fields the model's backend lets a person change. */
export function editableFields(model: Pick<TunedModelInfo, 'capabilities'>): EditableField[] {
  const { rename, editDescription, editSampling } = model.capabilities;
  return EDITABLE_FIELDS.filter((f) => (f === 'displayName' ? rename : f === 'description' ? editDescription : editSampling));
}

/**
 * The patch for a set of edits: only fields whose value really changed go in the body and in the
 * mask, so the mask says exactly what the request changes.
 */
export function buildPatch(current: Pick<TunedModelInfo, 'name' | 'displayName' | 'description' | 'sampling'>, edits: ModelEdits): ModelPatch | undefined {
  const model: ModelEdits & { name: string } = { name: current.name };
  const updateMask: EditableField[] = [];
  for (const field of EDITABLE_FIELDS) {
    if (!(field in edits)) continue;
    const next = edits[field];
    if (next === fieldValue(current, field)) continue;
    (model as unknown as Record<string, unknown>)[field] = next;
    updateMask.push(field);
  }
  return updateMask.length ? { model, updateMask } : undefined;
}

/** Checks one edited value as typed by a person; returns the parsed value or a message saying why not. */
export function parseFieldInput(field: EditableField, input: string): { value: string | number | undefined } | { error: string } {
  const text = input.trim();
  switch (field) {
    case 'displayName':
      if (text.length > 40) return { error: `The display name has ${text.length} characters; at most 40 are allowed.` };
      return { value: text };
    case 'description':
      return { value: input };
    case 'temperature':
    case 'topP': {
      const value = Number(text);
      if (text === '' || !Number.isFinite(value)) return { error: `${field} must be a number.` };
      if (value < 0 || value > 1) return { error: `${field} must be between 0 and 1.` };
      return { value };
    }
    case 'topK': {
      const value = Number(text);
      if (text === '' || !Number.isInteger(value) || value < 1) return { error: 'topK must be a whole number of at least 1.' };
      return { value };
    }
  }
}
