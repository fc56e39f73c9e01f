import type { Model } from '../../core/api/types';
import { vertexBaseModels } from '../../core/promptNotebook/modelChoice';
import type { BackendConnection } from '../backend/connection';
import { configuredVertexBaseModels } from '../backend/vertexBaseModels';
import type { NotebookBackend, NotebookModelSource } from './controllers';
import type { NotebookClient } from './execution';

/**
 * The notebook's client for the current backend. On Vertex AI, prompts go through the backend,
 * which sends a tuning job's to its tuned endpoint, a checkpoint's to the checkpoint's endpoint, and
 * a base model's to the project's publisher model; the base models offered are those of the setting
 * geminiTuning.vertex.baseModels and those the listed jobs were tuned from.
 */
export function notebookBackend(
  connection: Pick<BackendConnection, 'onDidChange' | 'getClient' | 'getVertexBackend' | 'kind'>,
  store: Pick<NotebookModelSource, 'models' | 'refresh'> & { readonly loaded?: boolean },
): NotebookBackend {
  return {
    onDidChange: connection.onDidChange,
    get kind() {
      return connection.kind;
    },
    getClient: async (): Promise<NotebookClient> => {
      if (connection.kind !== 'vertex') return connection.getClient();
      const backend = await connection.getVertexBackend();
      return {
        streamGenerateContent: (model, request, opts) => backend.streamGenerateContent(model, request, opts),
        models: {
          async *listAll(): AsyncGenerator<Model> {
            if (store.loaded === false) await store.refresh?.();
            for (const name of vertexBaseModels(store.models, configuredVertexBaseModels())) yield { name, displayName: name, supportedGenerationMethods: ['generateContent', 'streamGenerateContent'] };
          },
        },
      };
    },
  };
}
