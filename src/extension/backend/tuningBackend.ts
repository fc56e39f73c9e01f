import { type TuningBackend, type TuningJobSubmitter } from '../../core/tuning/backend';
import { type Operation, type TunedModel } from '../../core/api/types';
import { geminiJobSubmitter, geminiTuningBackend } from '../../core/tuning/geminiBackend';
import { type TunedModelInfo } from '../../core/tuning/model';
import type { VertexBackend } from '../../core/tuning/vertexBackend';
import { type BackendConnection } from './connection';

/** Where features get the current backend's `TuningBackend`: the Gemini API's (local or remote) or Vertex AI's. */
export type TuningBackendSource = () => Promise<TuningBackend>;

export function tuningBackendSource(
  connection: Pick<BackendConnection, 'getClient' | 'getVertexBackend' | 'kind'>,
  followedOperation: (modelName: string) => string | undefined = () => undefined,
): TuningBackendSource {
  return async () => (connection.kind === 'vertex' ? connection.getVertexBackend() : geminiTuningBackend(await connection.getClient(), followedOperation));
}

/**
 * The job submitter of the current backend, telling `follow` (the store) of every create operation
 * seen; for Vertex AI, the backend itself, and `announce` to show a job just created at once.
 */
export function tuningJobSubmitter(
  connection: Pick<BackendConnection, 'getClient' | 'getVertexBackend' | 'kind'>,
  follow: (operation: Operation) => void,
  announce?: (model: TunedModelInfo) => void,
): {
  readonly kind: BackendConnection['kind'];
  submitter(): Promise<TuningJobSubmitter<TunedModel>>;
  vertexSubmitter(): Promise<Pick<VertexBackend, 'submitJob'>>;
  announce?(model: TunedModelInfo): void;
} {
  return {
    get kind() {
      return connection.kind;
    },
    submitter: async () => geminiJobSubmitter(await connection.getClient(), follow),
    vertexSubmitter: () => connection.getVertexBackend(),
    announce,
  };
}
