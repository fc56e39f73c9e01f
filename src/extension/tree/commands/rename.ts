import { type TunedModel } from '../../../core/api/types';
import { applyEdits, askField, type EditDeps } from './modelEdits';
import { type ModelArgument } from './modelResolver';

export async function renameModel(deps: EditDeps, arg?: ModelArgument): Promise<TunedModel | undefined> {
  const model = await deps.resolveModel(arg, 'Rename Tuned Model');
  if (!model) return undefined;
  const answer = await askField(deps.prompts, model, 'displayName', model.displayName);
  if (!answer) return undefined;
  return applyEdits(deps, model, { displayName: answer.value as string });
}
