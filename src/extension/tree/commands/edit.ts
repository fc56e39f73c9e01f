import * as vscode from 'vscode';
import { type TunedModelInfo } from '../../../core/tuning/model';
import { buildPatch, editableFields, type EditableField, fieldValue, type ModelEdits } from '../../../core/tunedModels/edits';
import { modelLabel } from '../../../core/tunedModels/presentation';
import { applyEdits, askField, type EditDeps, fieldLabel } from './modelEdits';
import { type ModelArgument } from './modelResolver';

/** A menu of the editable fields with their values; changes are kept until Save sends them in one patch. */
export async function editModel(deps: EditDeps, arg?: ModelArgument): Promise<TunedModelInfo | undefined> {
  const model = await deps.resolveModel(arg, 'Edit Tuned Model');
  if (!model) return undefined;
  const edits: ModelEdits = {};
  type FieldItem = vscode.QuickPickItem & { field?: EditableField; save?: boolean };
  for (;;) {
    const pending = buildPatch(model, edits);
    const items: FieldItem[] = editableFields(model).map((field) => {
      const value = field in edits ? edits[field] : fieldValue(model, field);
      return {
        label: fieldLabel(field),
        description: value === undefined || value === '' ? '(not set)' : String(value),
        detail: field in edits && pending?.updateMask.includes(field) ? 'changed' : undefined,
        field,
      };
    });
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
    items.push({
      label: pending ? `$(check) Save ${pending.updateMask.length} change${pending.updateMask.length === 1 ? '' : 's'}` : '$(close) Close',
      save: true,
    });
    const picked = await deps.prompts.pick(items, { title: `Edit ${modelLabel(model)}`, placeHolder: 'Choose a field to change, then Save' });
    if (!picked) return undefined;
    if (picked.save) return pending ? applyEdits(deps, model, edits) : model;
    if (!picked.field) continue;
    const answer = await askField(deps.prompts, model, picked.field, picked.field in edits ? edits[picked.field] : fieldValue(model, picked.field));
    if (answer) (edits as Record<string, unknown>)[picked.field] = answer.value;
  }
}
