import type * as vscode from 'vscode';
import type { ChartModel } from '../../core/lossChart/protocol';
import { summarizeModel, type ModelHeader } from '../../core/lossChart/modelHeader';
import { evalLossPointsOf, lossPointsOf, pointsAfter, type LossPoint } from '../../core/lossChart/snapshots';
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
  | { kind: 'append'; points: LossPoint[]; evalPoints?: LossPoint[]; header: ModelHeader }
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
    return chartModelOf(withFollowedProgress(fetched, this.store.get(name)));
  }

  /**
   * Calls `onUpdate` with what changed since `known`. The first call happens on the next store
   * change; a state change out of CREATING reloads the model so the last snapshots are not missed.
   */
  watch(name: string, known: ChartModel, onUpdate: (update: ModelUpdate) => void): vscode.Disposable {
    let current = known;
    let reloading = false;
    let disposed = false;
    /** The store's last copy of a job whose listing carries no loss, whose curve is read from the backend. */
    let lastListedUpdate: string | undefined;

    /** A reload asked for while one runs: that one may have read the model before the change, so one more follows it. */
    let reloadAgain = false;
    const reload = (): void => {
      if (disposed) return;
      if (reloading) {
        reloadAgain = true;
        return;
      }
      reloading = true;
      reloadAgain = false;
      const finished = (): void => {
        reloading = false;
        if (reloadAgain) reload();
      };
      this.load(name).then(
        (model) => {
          if (!disposed) emitDifference(model);
          finished();
        },
        (error: unknown) => {
          if (!disposed) onUpdate({ kind: 'error', message: errorText(error) });
          finished();
        },
      );
    };

    const emitDifference = (latest: ChartModel): void => {
      const { appended, rewritten } = pointsAfter(current.points, latest.points);
      const evalChange = pointsAfter(current.evalPoints ?? [], latest.evalPoints ?? []);
      const headerChanged = JSON.stringify(latest.header) !== JSON.stringify(current.header);
      if (rewritten || evalChange.rewritten) {
        current = latest;
        onUpdate({ kind: 'replace', model: latest });
      } else if (appended.length > 0 || evalChange.appended.length > 0 || headerChanged) {
        const evalPoints = [...(current.evalPoints ?? []), ...evalChange.appended];
        current = { header: latest.header, points: [...current.points, ...appended], ...(evalPoints.length > 0 ? { evalPoints } : {}) };
        onUpdate({ kind: 'append', points: appended, ...(evalChange.appended.length > 0 ? { evalPoints: evalChange.appended } : {}), header: latest.header });
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
      if (model.loss.length === 0 && model.evalLoss === undefined) {
        // A listing without the curve (Vertex AI reads it from the job's experiment): fetch the job when it moved.
        if (model.updateTime !== lastListedUpdate) {
          lastListedUpdate = model.updateTime;
          reload();
        }
        if (current.points.length > 0) return;
      }
      const latest = chartModelOf(model);
      // A poll may carry fewer snapshots than we already have (a list page without them): keep ours.
      if (latest.points.length < current.points.length) {
        latest.points = current.points;
      }
      if ((latest.evalPoints?.length ?? 0) < (current.evalPoints?.length ?? 0)) {
        latest.evalPoints = current.evalPoints;
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

/** What the chart draws of a model: its header, its training loss and, when it has one, its validation loss. */
function chartModelOf(model: TunedModelInfo): ChartModel {
  const evalPoints = evalLossPointsOf(model);
  return { header: summarizeModel(model), points: lossPointsOf(model), ...(evalPoints.length > 0 ? { evalPoints } : {}) };
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
    evalLoss: (followed.evalLoss?.length ?? 0) > (fetched.evalLoss?.length ?? 0) ? followed.evalLoss : fetched.evalLoss,
  };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
