import { copyToClipboard } from './clipboard';
import { type ModelArgument, type ResolveModel, selectedModels } from './modelResolver';

export interface CopyNameDeps {
  readonly resolveModel: ResolveModel;
}

/** Copies the resource name, or the names of all the models selected together, one a line. */
export async function copyModelName(deps: CopyNameDeps, arg?: ModelArgument, selection?: unknown): Promise<string | undefined> {
  const several = selectedModels(arg, selection);
  if (several.length > 1) return copyToClipboard(several.join('\n'), `${several.length} names`);
  const model = await deps.resolveModel(arg, 'Copy Name');
  return model ? copyToClipboard(model.name, model.name) : undefined;
}
