import { modelLabel } from '../../../core/tunedModels/presentation';
import { type GeminiClient } from '../../../core/api/client';
import { type Log } from '../../../core/util/log';
import { type TunedModelsStore } from '../../tunedModelsStore';
import { type Prompts } from '../../ui/prompts';
import { type NamedModel } from './modelResolver';

export interface TransferOwnershipDeps {
  readonly prompts: Prompts;
  readonly log: Log;
  readonly store: TunedModelsStore;
}

export const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+$/;

/** Gives the model to someone else, after a confirmation naming the new owner; true once transferred. */
export async function transferOwnership(deps: TransferOwnershipDeps, client: GeminiClient, model: NamedModel): Promise<boolean> {
  const label = modelLabel(model);
  const email = await deps.prompts.input({
    title: `Transfer ownership of ${label}`,
    prompt: 'Email address of the new owner. You will become a writer.',
    validateInput: (v) => (EMAIL_PATTERN.test(v.trim()) ? undefined : 'Enter an email address.'),
  });
  if (!email) return false;
  const ok = await deps.prompts.confirm(`Transfer ownership of "${label}" to ${email.trim()}?`, {
    detail: 'You will no longer be able to delete the model or transfer it back.',
    confirmLabel: 'Transfer',
  });
  if (!ok) return false;
  await client.tunedModels.transferOwnership(model.name, email.trim());
  deps.log.info(`transferred ownership of ${model.name}`);
  // Ownership decides what `owner:me` lists.
  void deps.store.refresh();
  return true;
}
