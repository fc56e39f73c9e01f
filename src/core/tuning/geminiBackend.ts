import type { GeminiClient } from '../api/client';
import type { Operation, TunedModel } from '../api/types';
import type { ModelChanges, SubmittedJob, TuningBackend, TuningJobSubmitter } from './backend';
import { fromGeminiOperation, fromGeminiTunedModel } from './geminiApi';

/** The parts of `GeminiClient` the Gemini backend adapter calls. */
export type GeminiTuningClient = {
  readonly tunedModels: Pick<GeminiClient['tunedModels'], 'get' | 'patch' | 'delete'>;
  readonly operations: Pick<GeminiClient['operations'], 'list' | 'listAll' | 'cancel'>;
};

/**
 * The Gemini API (and the local tuning server) as a `TuningBackend`. `knownOperation` names the
 * create operation of a model the store follows, which saves a list call when cancelling.
 */
export function geminiTuningBackend(client: GeminiTuningClient, knownOperation: (modelName: string) => string | undefined = () => undefined): TuningBackend {
  return {
    async getModel(name, opts) {
      const model = await client.tunedModels.get(name, opts);
      if (model.state !== 'FAILED') return fromGeminiTunedModel(model);
      return fromGeminiTunedModel(model, await failedOperation(client, name));
    },
    async updateModel(name, changes, fields) {
      const body: ModelChanges & { name: string } = { name, ...Object.fromEntries(fields.map((field) => [field, changes[field]])) };
      return fromGeminiTunedModel(await client.tunedModels.patch(body, [...fields]));
    },
    deleteModel: (name) => client.tunedModels.delete(name),
    async cancelJob(name) {
      const operation = knownOperation(name) ?? (await runningOperation(client, name));
      await client.operations.cancel(operation);
      return operation;
    },
  };
}

async function runningOperation(client: GeminiTuningClient, modelName: string): Promise<string> {
  for await (const op of client.operations.listAll(modelName)) {
    if (!op.done && op.name) return op.name;
  }
  throw new Error(`${modelName} has no running operation to cancel; refresh the Tuned Models view to see its current state.`);
}

async function failedOperation(client: GeminiTuningClient, name: string) {
  try {
    const { operations = [] } = await client.operations.list(name);
    return operations.find((op) => op.error) ?? operations[0];
  } catch {
    // The reason is a nicety; without it the model still says it failed.
    return undefined;
  }
}

/** The parts of `GeminiClient` that create a tuned model and wait for it. */
export type GeminiCreateClient = {
  readonly tunedModels: Pick<GeminiClient['tunedModels'], 'create'>;
  waitForOperation: GeminiClient['waitForOperation'];
};

/**
 * Creates tuned models on the Gemini API from the request `core/tuningSpec` builds. `follow` hears
 * of every operation seen, so that the store can show and poll the new model at once.
 */
export function geminiJobSubmitter(client: GeminiCreateClient, follow: (operation: Operation) => void = () => undefined): TuningJobSubmitter<TunedModel> {
  return {
    async submitJob(request, opts): Promise<SubmittedJob> {
      const created = await client.tunedModels.create(request, opts);
      follow(created);
      return {
        model: fromGeminiOperation(created),
        async whenDone(wait = {}) {
          const { onProgress, ...rest } = wait;
          const done = await client.waitForOperation(created, { ...rest, onProgress: onProgress && ((op) => onProgress(fromGeminiOperation(op))) });
          follow(done);
          return fromGeminiOperation(done);
        },
      };
    },
  };
}
