import { type TuningBackend, type TuningJobSubmitter } from '../../core/tuning/backend';
import { type Operation, type TunedModel } from '../../core/api/types';
import { geminiJobSubmitter, geminiTuningBackend } from '../../core/tuning/geminiBackend';
import { type BackendConnection } from './connection';

/** Where features get the current backend's `TuningBackend`: the Gemini API's (local or remote) or Vertex AI's. */
export type TuningBackendSource = () => Promise<TuningBackend>;

export function tuningBackendSource(
  connection: Pick<BackendConnection, 'getClient' | 'getVertexBackend' | 'kind'>,
  followedOperation: (modelName: string) => string | undefined = () => undefined,
): TuningBackendSource {
  return async () => (connection.kind === 'vertex' ? connection.getVertexBackend() : geminiTuningBackend(await connection.getClient(), followedOperation));
}

/** The job submitter of the current backend, telling `follow` (the store) of every create operation seen. */
export function tuningJobSubmitter(
  connection: Pick<BackendConnection, 'getClient' | 'kind'>,
  follow: (operation: Operation) => void,
): { readonly kind: BackendConnection['kind']; submitter(): Promise<TuningJobSubmitter<TunedModel>> } {
  return {
    get kind() {
      return connection.kind;
    },
    submitter: async () => geminiJobSubmitter(await connection.getClient(), follow),
  };
}
