import { type TunedModel } from '../api/types';

/** The fields a person may change on a tuned model, with the updateMask path of each. */
export const EDITABLE_FIELDS = ['displayName', 'description', 'temperature', 'topP', 'topK'] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];

export type ModelEdits = Partial<Pick<TunedModel, EditableField>>;

export interface ModelPatch {
  readonly model: TunedModel & { name: string };
  readonly updateMask: EditableField[];
}

/**
 * The patch for a set of edits: only fields whose value really changed go in the body and in the
 * mask, so the mask says exactly what the request changes.
 */
export function buildPatch(current: TunedModel & { name: string }, edits: ModelEdits): ModelPatch | undefined {
  const model: TunedModel & { name: string } = { name: current.name };
  const updateMask: EditableField[] = [];
  for (const field of EDITABLE_FIELDS) {
    if (!(field in edits)) continue;
    const next = edits[field];
    if (next === current[field]) continue;
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
