import type * as vscode from 'vscode';
import type { ChartModel } from '../../core/lossChart/protocol';
import { summarizeModel, type ModelHeader } from '../../core/lossChart/modelHeader';
import { lossPointsOf, pointsAfter, type LossPoint } from '../../core/lossChart/snapshots';
import { type TuningBackend } from '../../core/tuning/backend';
import { isInFlight, type TunedModelInfo } from '../../core/tuning/model';

/** The parts of `TunedModelsStore` the chart reads. */
export interface ChartModelsStore {
  readonly onDidChange: vscode.Event<void>;
  readonly models: readonly TunedModelInfo[];
  get(name: string): TunedModelInfo | undefined;
  refresh(): Promise<void>;
}

/** The backend as the chart uses it: told when it changes, asked for one model at a time. */
export interface ChartConnection {
  readonly onDidChange: vscode.Event<void>;
  tuningBackend(): Promise<Pick<TuningBackend, 'getModel'>>;
}

/** What a panel receives for one model while it watches it. */
export type ModelUpdate =
  | { kind: 'append'; points: LossPoint[]; header: ModelHeader }
  | { kind: 'replace'; model: ChartModel }
  | { kind: 'error'; message: string };

/**
 * Loads a model's loss curve and follows it while it trains. Finished models come from the
 * backend; a running job's new points and progress come from the store, which polls it.
 */
export class ChartDataSource {
  constructor(
    private readonly store: ChartModelsStore,
    private readonly connection: ChartConnection,
  ) {}

  /** The backend's models; loads them first when the store has none yet (just after activation). */
  async listModels(): Promise<readonly TunedModelInfo[]> {
    if (this.store.models.length === 0) await this.store.refresh();
    return this.store.models;
  }

  displayNameOf(name: string): string | undefined {
    const model = this.store.get(name);
    return model ? summarizeModel(model).displayName : undefined;
  }

  async load(name: string): Promise<ChartModel> {
    const fetched = await (await this.connection.tuningBackend()).getModel(name);
    const model = withFollowedProgress(fetched, this.store.get(name));
    return { header: summarizeModel(model), points: lossPointsOf(model) };
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
      if (model.state !== 'creating') {
        if (wasRunning) reload();
        return;
      }
      const latest: ChartModel = {
        header: summarizeModel(model),
        points: lossPointsOf(model),
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

/**
 * The model as just fetched, with what the store knows and a single fetch does not: the progress
 * and the latest points of a job it follows, and why a followed job ended.
 */
function withFollowedProgress(fetched: TunedModelInfo, followed: TunedModelInfo | undefined): TunedModelInfo {
  if (!followed) return fetched;
  const running = isInFlight(fetched.state);
  return {
    ...fetched,
    progress: fetched.progress ?? followed.progress,
    stateDetail: fetched.stateDetail ?? (running ? undefined : followed.stateDetail),
    loss: followed.loss.length > fetched.loss.length ? followed.loss : fetched.loss,
  };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
