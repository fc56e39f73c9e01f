import { ApiError } from '../../../core/api/errors';
import { modelLabel } from '../../../core/tunedModels/presentation';
import { stateLabel } from '../../../core/tuning/model';
import { type ModelArgument, type ModelCommandDeps } from './modelResolver';

/**
 * Stops a running tuning job through its backend's cancel, after a confirmation. The store
 * goes on following the model until the backend reports the job over.
 */
export async function cancelTuningJob(deps: ModelCommandDeps, arg?: ModelArgument): Promise<boolean> {
  const { connection, store, log } = deps;
  const cancellable = (m: { state: string; capabilities: { cancel: boolean } }) => m.state === 'creating' && m.capabilities.cancel;
  const model = await deps.resolveModel(arg, 'Cancel Tuning Job', {
    offer: cancellable,
    noneOffered: 'No tuning job is running.',
  });
  if (!model) return false;
  const label = modelLabel(model);
  if (model.state !== 'creating') throw new Error(`"${label}" is not training (it is ${model.state === 'unspecified' ? 'in an unknown state' : stateLabel(model.state)}); only a running tuning job can be cancelled.`);
  if (!model.capabilities.cancel) throw new Error(`The backend of "${label}" offers no way to cancel a tuning job; it keeps training until it ends.`);
  const confirmed = await deps.prompts.confirm(`Cancel the tuning job of "${label}"?`, {
    detail: `Training of ${model.name} stops and cannot be resumed. The loss snapshots recorded so far are kept.`,
    confirmLabel: 'Cancel Job',
  });
  if (!confirmed) return false;
  const backend = await deps.backend();
  let operation = model.name;
  try {
    operation = await backend.cancelJob(model.name);
  } catch (error) {
    if (error instanceof ApiError && (error.httpStatus === 404 || error.httpStatus === 501) && connection.kind !== 'local') {
      throw new Error(`The backend offers no way to cancel ${operation} (HTTP ${error.httpStatus}); the job keeps training until it ends.`, { cause: error });
    }
    throw error;
  }
  log.info(`asked to cancel ${operation}`);
  void store.refresh();
  return true;
}
