import { ApiError } from '../../../core/api/errors';
import { type GeminiClient } from '../../../core/api/client';
import { modelLabel } from '../../../core/tunedModels/presentation';
import { type ModelArgument, type ModelCommandDeps, type NamedModel } from './modelResolver';

/**
 * Stops a running tuning job through its operation's cancel, after a confirmation. The store
 * goes on following the model until the backend reports the job over.
 */
export async function cancelTuningJob(deps: ModelCommandDeps, arg?: ModelArgument): Promise<boolean> {
  const { connection, store, log } = deps;
  const model = await deps.resolveModel(arg, 'Cancel Tuning Job', {
    offer: (m) => m.state === 'CREATING',
    noneOffered: 'No tuning job is running.',
  });
  if (!model) return false;
  const label = modelLabel(model);
  if (model.state !== 'CREATING') throw new Error(`"${label}" is not training (it is ${model.state ?? 'in an unknown state'}); only a running tuning job can be cancelled.`);
  const confirmed = await deps.prompts.confirm(`Cancel the tuning job of "${label}"?`, {
    detail: `Training of ${model.name} stops and cannot be resumed. The loss snapshots recorded so far are kept.`,
    confirmLabel: 'Cancel Job',
  });
  if (!confirmed) return false;
  const client = await connection.getClient();
  const operation = store.operation(model.name)?.name ?? (await runningOperation(client, model));
  try {
    await client.operations.cancel(operation);
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

async function runningOperation(client: GeminiClient, model: NamedModel): Promise<string> {
  for await (const op of client.operations.listAll(model.name)) {
    if (!op.done && op.name) return op.name;
  }
  throw new Error(`${model.name} has no running operation to cancel; refresh the Tuned Models view to see its current state.`);
}
