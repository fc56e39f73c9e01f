import type * as vscode from 'vscode';
import type { ChartModel } from '../../core/lossChart/protocol';
import { summarizeModel, type ModelHeader } from '../../core/lossChart/modelHeader';
import { pointsAfter, snapshotsOf, toLossPoints, type LossPoint, type OperationInput, type TunedModelInput } from '../../core/lossChart/snapshots';

/** The parts of `TunedModelsStore` the chart reads. */
export interface ChartModelsStore {
  readonly onDidChange: vscode.Event<void>;
  readonly models: readonly TunedModelInput[];
  get(name: string): TunedModelInput | undefined;
  operation(name: string): OperationInput | undefined;
  refresh(): Promise<void>;
}

/** The parts of `GeminiClient` the chart calls. */
export interface ChartClient {
  readonly tunedModels: { get(name: string): Promise<TunedModelInput> };
  readonly operations: { list(tunedModelName: string): Promise<{ operations?: OperationInput[] }> };
}

/** The parts of `BackendConnection` the chart uses. */
export interface ChartConnection {
  readonly onDidChange: vscode.Event<void>;
  getClient(): Promise<ChartClient>;
}

/** What a panel receives for one model while it watches it. */
export type ModelUpdate =
  | { kind: 'append'; points: LossPoint[]; header: ModelHeader }
  | { kind: 'replace'; model: ChartModel }
  | { kind: 'error'; message: string };

/**
 * Loads a model's loss curve and follows it while it trains. ACTIVE and FAILED models come from
 * `tunedModels.get`; a CREATING model's new snapshots come from the store, which polls it.
 */
export class ChartDataSource {
  constructor(
    private readonly store: ChartModelsStore,
    private readonly connection: ChartConnection,
  ) {}

  /** The backend's models; loads them first when the store has none yet (just after activation). */
  async listModels(): Promise<readonly TunedModelInput[]> {
    if (this.store.models.length === 0) await this.store.refresh();
    return this.store.models;
  }

  displayNameOf(name: string): string | undefined {
    const model = this.store.get(name);
    return model ? summarizeModel(model).displayName : undefined;
  }

  async load(name: string): Promise<ChartModel> {
    const client = await this.connection.getClient();
    const model = await client.tunedModels.get(name);
    let operation = this.store.operation(name);
    if (model.state === 'FAILED' && !operation?.error) {
      operation = (await failedOperation(client, name)) ?? operation;
    }
    return { header: summarizeModel(model, operation), points: toLossPoints(snapshotsOf(model, operation)) };
  }

  /**
   * Calls `onUpdate` with what changed since `known`. The first call happens on the next store
   * change; a state change out of CREATING reloads the model so the last snapshots are not missed.
   */
  watch(name: string, known: ChartModel, onUpdate: (update: ModelUpdate) => void): vscode.Disposable {
    let current = known;
    let reloading = false;
    let disposed = false;

    const reload = (): void => {
      if (reloading || disposed) return;
      reloading = true;
      this.load(name).then(
        (model) => {
          reloading = false;
          if (disposed) return;
          emitDifference(model);
        },
        (error: unknown) => {
          reloading = false;
          if (!disposed) onUpdate({ kind: 'error', message: errorText(error) });
        },
      );
    };

    const emitDifference = (latest: ChartModel): void => {
      const { appended, rewritten } = pointsAfter(current.points, latest.points);
      const headerChanged = JSON.stringify(latest.header) !== JSON.stringify(current.header);
      if (rewritten) {
        current = latest;
        onUpdate({ kind: 'replace', model: latest });
      } else if (appended.length > 0 || headerChanged) {
        current = { header: latest.header, points: [...current.points, ...appended] };
        onUpdate({ kind: 'append', points: appended, header: latest.header });
      }
    };

    const onStoreChange = (): void => {
      const model = this.store.get(name);
      if (!model) return;
      const wasRunning = current.header.state === 'CREATING';
      if (model.state !== 'CREATING') {
        if (wasRunning) reload();
        return;
      }
      const operation = this.store.operation(name);
      const latest: ChartModel = {
        header: summarizeModel(model, operation),
        points: toLossPoints(snapshotsOf(model, operation)),
      };
      // A poll may carry fewer snapshots than we already have (a list page without them): keep ours.
      if (latest.points.length < current.points.length) {
        latest.points = current.points;
      }
      emitDifference(latest);
    };

    const subscriptions = [this.store.onDidChange(onStoreChange), this.connection.onDidChange(() => reload())];
    return {
      dispose: () => {
        disposed = true;
        for (const s of subscriptions) s.dispose();
      },
    };
  }
}

async function failedOperation(client: ChartClient, name: string): Promise<OperationInput | undefined> {
  try {
    const { operations = [] } = await client.operations.list(name);
    return operations.find((op) => op.error) ?? operations[0];
  } catch {
    // The error message is a nicety; without it the chart still says the job failed.
    return undefined;
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
