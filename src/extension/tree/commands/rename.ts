import { type TunedModelInfo } from '../../../core/tuning/model';
import { applyEdits, askField, type EditDeps } from './modelEdits';
import { type ModelArgument } from './modelResolver';

export async function renameModel(deps: EditDeps, arg?: ModelArgument): Promise<TunedModelInfo | undefined> {
  const model = await deps.resolveModel(arg, 'Rename Tuned Model');
  if (!model) return undefined;
  if (!model.capabilities.rename) throw new Error(`The backend of ${model.name} does not let a tuned model be renamed.`);
  const answer = await askField(deps.prompts, model, 'displayName', model.displayName);
  if (!answer) return undefined;
  return applyEdits(deps, model, { displayName: answer.value as string });
}
