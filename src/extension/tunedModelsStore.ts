import type * as vscode from 'vscode';
import { type ListOperationsResponse, type Operation, type TunedModel } from '../core/api/types';
import { fromGeminiTunedModel } from '../core/tuning/geminiApi';
import { isInFlight, type TunedModelInfo, type TuningState } from '../core/tuning/model';
import { CoalescingRunner } from '../core/util/coalesce';
import { Emitter, type Event } from '../core/util/event';
import { DisposableBase } from '../core/util/lifecycle';
import { type Log, silentLog } from '../core/util/log';
import { InFlightPoller, type PollDelays, type WindowFocus } from '../core/tunedModels/poller';

/** The part of the API client the store uses. `GeminiClient` provides it. */
export interface TunedModelsApi {
  readonly tunedModels: {
    listAll(opts?: { pageSize?: number; filter?: string; signal?: AbortSignal }): AsyncIterable<TunedModel>;
  };
  readonly operations: {
    get(name: string, opts?: { signal?: AbortSignal }): Promise<Operation>;
    list(tunedModelName: string, opts?: { pageSize?: number; pageToken?: string; filter?: string; signal?: AbortSignal }): Promise<ListOperationsResponse>;
  };
}

/** A backend whose adapter lists neutral models itself (Vertex AI's `VertexBackend`). */
export interface NeutralListing {
  listModels(opts?: { signal?: AbortSignal }): AsyncIterable<TunedModelInfo>;
}

/** Where the store gets its client; `BackendConnection` is one. */
export interface TunedModelsSource {
  /** The client was replaced (backend switched, key changed, server restarted). */
  readonly onDidChange: Event<void>;
  getClient(): Promise<TunedModelsApi>;
  /** The current backend's own listing when it has one; undefined for the Gemini API's wire listing through `getClient`. */
  neutralListing?(): Promise<NeutralListing> | undefined;
  /** Told the outcome of every refresh, so that the connection can show its health. */
  reportOutcome?(error: unknown): void;
}

export type StoreStatus =
  | { readonly kind: 'idle' }
  | { readonly kind: 'loading' }
  | { readonly kind: 'ready' }
  | { readonly kind: 'error'; readonly error: unknown };

export interface StateChange {
  readonly model: TunedModelInfo;
  readonly previous: TuningState | undefined;
}

export interface TunedModelsStoreOptions {
  readonly focus: WindowFocus;
  readonly polling: () => PollDelays;
  readonly log?: Log;
  /** Page size of the list calls; 1000 is the API's maximum. */
  readonly pageSize?: number;
  /** How many operations are fetched at once, for the progress of CREATING models. */
  readonly operationConcurrency?: number;
}

const OPERATION_FETCH_CONCURRENCY = 6;

/**
 * Holds the tuned models of the current backend. It lists every page, coalesces bursts of
 * refreshes, follows models that are CREATING by polling while any exist, and reports state
 * changes. It has no UI: the tree provider maps what it holds. It reads the Gemini API's wire
 * objects and hands out only the backend-neutral `TunedModelInfo`, each with the progress and
 * snapshots of its latest create operation merged in.
 */
export class TunedModelsStore extends DisposableBase implements vscode.Disposable {
  private readonly changeEmitter = this._register(new Emitter<void>());
  private readonly stateEmitter = this._register(new Emitter<StateChange>());
  private readonly statusEmitter = this._register(new Emitter<StoreStatus>());
  private readonly statesEmitter = this._register(new Emitter<readonly StateChange[]>());

  /** The models, their progress, the status or the filter changed. */
  readonly onDidChange: vscode.Event<void> = this.changeEmitter.event;
  /** A model changed state (CREATING → ACTIVE or FAILED), or appeared after the first load (`previous` undefined). */
  readonly onDidChangeState: vscode.Event<StateChange> = this.stateEmitter.event;
  readonly onDidChangeStatus: vscode.Event<StoreStatus> = this.statusEmitter.event;
  /** Every state change of one reload (or one `upsert`) at once, after the `onDidChangeState` of each. */
  readonly onDidChangeStates: vscode.Event<readonly StateChange[]> = this.statesEmitter.event;

  private byName = new Map<string, TunedModel>();
  private infos = new Map<string, TunedModelInfo>();
  /** Models of a backend listed through `neutralListing`, by name. */
  private neutral = new Map<string, TunedModelInfo>();
  private ordered: readonly TunedModelInfo[] = [];
  private readonly operations = new Map<string, Operation>();
  /** Operation names of models being followed, by model name. */
  private readonly operationNames = new Map<string, string>();
  private _status: StoreStatus = { kind: 'idle' };
  private _filter = '';
  private _version = 0;
  /** Bumped when the backend or filter changes, so a load that started before is discarded. */
  private generation = 0;
  /** Models deleted since the current listing began: its pages may predate the deletion. */
  private readonly removedWhileListing = new Set<string>();
  private baselineLoaded = false;
  private readonly runner = new CoalescingRunner(() => this.load());
  private readonly poller: InFlightPoller;
  private readonly log: Log;

  constructor(
    private readonly source: TunedModelsSource,
    private readonly options: TunedModelsStoreOptions,
  ) {
    super();
    this.log = options.log ?? silentLog;
    this.poller = this._register(new InFlightPoller(() => void this.refresh(), options.polling, options.focus));
    this._register(source.onDidChange(() => this.onSourceChanged()));
  }

  get models(): readonly TunedModelInfo[] {
    return this.ordered;
  }

  /** Increases with every change, for views that cache what they derive from the models. */
  get version(): number {
    return this._version;
  }

  get status(): StoreStatus {
    return this._status;
  }

  /** True once a list has completed for the current backend and filter. */
  get loaded(): boolean {
    return this.baselineLoaded;
  }

  get filter(): string {
    return this._filter;
  }

  /** True while a poll is scheduled because some model is CREATING. */
  get isPolling(): boolean {
    return this.poller.isScheduled;
  }

  get(name: string): TunedModelInfo | undefined {
    return this.infos.get(name);
  }

  /** The name of the create operation of a model being followed, when known. */
  followedOperation(name: string): string | undefined {
    return this.operationNames.get(name) ?? this.operations.get(name)?.name;
  }

  /** Reloads every page. Calls during a load share one more load that starts after it. */
  refresh(): Promise<void> {
    if (this.isDisposed) return Promise.resolve();
    return this.runner.run();
  }

  /** Sets the list filter (free text, `owner:me`, `readers:everyone`…) and reloads. */
  setFilter(filter: string): Promise<void> {
    const next = filter.trim();
    if (next === this._filter) return this.refresh();
    this._filter = next;
    this.resetForNewQuery();
    return this.refresh();
  }

  /**
   * Starts following a model that was just created, from its create operation. `request` (the
   * TunedModel sent to create) lets the tree show its name and settings before the first poll.
   */
  track(op: Operation, request?: TunedModel): void {
    const modelName = op.metadata?.tunedModel ?? op.name?.split('/operations/')[0];
    if (!modelName) {
      this.log.warn(`cannot follow operation ${op.name ?? '(unnamed)'}: it names no tuned model`);
      return;
    }
    if (op.name) this.operationNames.set(modelName, op.name);
    this.operations.set(modelName, op);
    if (!this.byName.has(modelName)) {
      this.byName.set(modelName, op.done && op.response ? stripType(op.response) : placeholderFor(modelName, request));
      this.publish();
    }
    void this.refresh();
  }

  /** Replaces one model with a newer copy the caller got from the backend (after a patch, say). */
  upsert(model: TunedModelInfo): void {
    if (model.name && model.backend === 'vertex') {
      // A job just created: shown now, then kept up to date by the listing the poller runs while it is in flight.
      this.neutral.set(model.name, model);
      this.publish();
      void this.refresh();
      return;
    }
    if (!model.name || model.backend !== 'gemini') return;
    const previous = this.infos.get(model.name);
    this.byName.set(model.name, model.raw as TunedModel);
    this.publish();
    const current = this.infos.get(model.name);
    if (current && previous && previous.state !== 'unspecified' && current.state !== 'unspecified' && previous.state !== current.state) {
      this.fireStateChanges([{ model: current, previous: previous.state }]);
    }
  }

  /** Drops a model the caller deleted; a listing already under way when it went does not bring it back. */
  remove(name: string): void {
    this.removedWhileListing.add(name);
    if (!this.byName.delete(name)) return;
    this.operations.delete(name);
    this.operationNames.delete(name);
    this.publish();
  }

  override dispose(): void {
    this.generation++;
    super.dispose();
  }

  private onSourceChanged(): void {
    this.resetForNewQuery();
    this.byName.clear();
    this.neutral.clear();
    this.operations.clear();
    this.operationNames.clear();
    this.publish();
    void this.refresh();
  }

  private resetForNewQuery(): void {
    this.generation++;
    this.baselineLoaded = false;
    this.poller.stop();
  }

  private async load(): Promise<void> {
    const generation = this.generation;
    const startedAt = Date.now();
    this.removedWhileListing.clear();
    const stillThere = (name: string | undefined): boolean => name === undefined || !this.removedWhileListing.has(name);
    if (!this.baselineLoaded) this.setStatus({ kind: 'loading' });
    try {
      const neutralListing = this.source.neutralListing?.();
      if (neutralListing) {
        const listing = await neutralListing;
        const listedInfos: TunedModelInfo[] = [];
        for await (const model of listing.listModels()) {
          if (generation !== this.generation) return;
          if (model.name && matchesFilter(model, this._filter)) listedInfos.push(model);
        }
        if (generation !== this.generation || this.isDisposed) return;
        this.applyNeutral(listedInfos.filter((m) => stillThere(m.name)));
        this.source.reportOutcome?.(undefined);
        this.setStatus({ kind: 'ready' });
        this.log.debug(`listed ${listedInfos.length} tuning jobs in ${Date.now() - startedAt} ms`);
        return;
      }
      const client = await this.source.getClient();
      const listed: TunedModel[] = [];
      const pageSize = this.options.pageSize ?? 1000;
      for await (const model of client.tunedModels.listAll({ pageSize, filter: this._filter || undefined })) {
        if (generation !== this.generation) return;
        listed.push(model);
      }
      if (generation !== this.generation || this.isDisposed) return;
      const operations = await this.fetchOperations(client, listed, generation);
      if (generation !== this.generation || this.isDisposed) return;
      this.apply(listed.filter((m) => stillThere(m.name)), operations);
      this.source.reportOutcome?.(undefined);
      this.setStatus({ kind: 'ready' });
      this.log.debug(`listed ${listed.length} tuned models in ${Date.now() - startedAt} ms`);
    } catch (error) {
      if (generation !== this.generation || this.isDisposed) return;
      this.log.error(`listing tuned models failed: ${describe(error)}`);
      this.source.reportOutcome?.(error);
      this.setStatus({ kind: 'error', error });
      // Keep following jobs through a failure: the next poll may well succeed.
      const inFlight = this.ordered.some((m) => isInFlight(m.state));
      this.poller.afterRefresh({ inFlight, progressed: false });
      this.publish();
    }
  }

  /**
   * The latest operation of every CREATING model, for its progress, and of every followed model
   * that has just failed, for the reason. All of them, a few requests at a time.
   */
  private async fetchOperations(client: TunedModelsApi, listed: readonly TunedModel[], generation: number): Promise<Map<string, Operation>> {
    const justFailed = (m: TunedModel) => m.state === 'FAILED' && this.operationNames.has(m.name!) && isWireInFlight(this.byName.get(m.name!)?.state);
    const wanted = listed.filter((m) => m.name && (isWireInFlight(m.state) || justFailed(m)));
    const result = new Map<string, Operation>();
    let next = 0;
    const worker = async () => {
      while (next < wanted.length && generation === this.generation) {
        const name = wanted[next++].name!;
        try {
          const op = await this.latestOperation(client, name);
          if (op) result.set(name, op);
        } catch (error) {
          // Progress is a nicety; the list itself succeeded.
          this.log.warn(`could not read the operation of ${name}: ${describe(error)}`);
          const known = this.operations.get(name);
          if (known) result.set(name, known);
        }
      }
    };
    const concurrency = Math.max(1, this.options.operationConcurrency ?? OPERATION_FETCH_CONCURRENCY);
    await Promise.all(Array.from({ length: Math.min(concurrency, wanted.length) }, worker));
    return result;
  }

  private async latestOperation(client: TunedModelsApi, modelName: string): Promise<Operation | undefined> {
    const known = this.operationNames.get(modelName);
    if (known) return client.operations.get(known);
    const response = await client.operations.list(modelName, { pageSize: 10 });
    const ops = response.operations ?? [];
    const op = ops.find((o) => !o.done) ?? ops[ops.length - 1];
    if (op?.name) this.operationNames.set(modelName, op.name);
    return op;
  }

  private apply(listed: TunedModel[], operations: Map<string, Operation>): void {
    const previous = this.byName;
    const previousInfos = this.infos;
    const next = new Map<string, TunedModel>();
    for (const model of listed) if (model.name) next.set(model.name, model);
    // A model just created may not be listed yet; keep the placeholder while its operation runs.
    for (const [name, opName] of this.operationNames) {
      if (next.has(name)) continue;
      const op = operations.get(name) ?? this.operations.get(name);
      const placeholder = previous.get(name);
      if (placeholder && op && !op.done && opName) next.set(name, placeholder);
    }

    let progressed = next.size !== previous.size;
    for (const [name, model] of next) {
      const before = previous.get(name);
      if (before?.state !== model.state || before?.updateTime !== model.updateTime) progressed = true;
    }
    for (const [name, op] of operations) {
      if (op.metadata?.completedSteps !== this.operations.get(name)?.metadata?.completedSteps) progressed = true;
    }

    // The final operation of a failed job says why; keep it for the tooltip.
    for (const [name, op] of this.operations) {
      if (!operations.has(name) && op.done && op.error && next.get(name)?.state === 'FAILED') operations.set(name, op);
    }
    this.operations.clear();
    for (const [name, op] of operations) this.operations.set(name, op);
    for (const name of [...this.operationNames.keys()]) {
      const model = next.get(name);
      if (!model || !isWireInFlight(model.state)) this.operationNames.delete(name);
    }
    this.byName = next;
    const inFlight = [...next.values()].some((m) => isWireInFlight(m.state));
    this.publishAndAnnounce(previousInfos, (name) => previous.get(name)?.state !== next.get(name)?.state, { inFlight, progressed });
  }

  /** As `apply`, for a backend that lists neutral models: they replace whatever was held. */
  private applyNeutral(listed: readonly TunedModelInfo[]): void {
    const previousInfos = this.infos;
    const next = new Map<string, TunedModelInfo>();
    for (const model of listed) next.set(model.name, model);
    let progressed = next.size !== this.neutral.size;
    for (const [name, model] of next) {
      const before = this.neutral.get(name);
      if (before?.state !== model.state || before?.updateTime !== model.updateTime || before?.progress?.completedSteps !== model.progress?.completedSteps) progressed = true;
    }
    this.byName.clear();
    this.operations.clear();
    this.operationNames.clear();
    this.neutral = next;
    this.publishAndAnnounce(previousInfos, (_name, before, model) => before.state !== model.state, { inFlight: listed.some((m) => isInFlight(m.state)), progressed });
  }

  /**
   * Publishes the new models, then announces each one that appeared or whose state changed (not on
   * the first load), and tells the poller how the refresh went.
   */
  private publishAndAnnounce(
    previousInfos: ReadonlyMap<string, TunedModelInfo>,
    stateChanged: (name: string, before: TunedModelInfo, model: TunedModelInfo) => boolean,
    refresh: { inFlight: boolean; progressed: boolean },
  ): void {
    const wasLoaded = this.baselineLoaded;
    this.baselineLoaded = true;
    this.publish();
    const changes: StateChange[] = [];
    if (wasLoaded) {
      for (const [name, model] of this.infos) {
        const before = previousInfos.get(name);
        if (!before) changes.push({ model, previous: undefined });
        else if (stateChanged(name, before, model)) changes.push({ model, previous: before.state });
      }
    }
    this.fireStateChanges(changes);
    this.poller.afterRefresh(refresh);
  }

  private fireStateChanges(changes: readonly StateChange[]): void {
    if (changes.length === 0) return;
    for (const change of changes) this.stateEmitter.fire(change);
    this.statesEmitter.fire(changes);
  }

  private publish(): void {
    const infos = new Map<string, TunedModelInfo>();
    for (const [name, model] of this.byName) infos.set(name, fromGeminiTunedModel({ ...model, name }, this.operations.get(name)));
    for (const [name, model] of this.neutral) infos.set(name, model);
    this.infos = infos;
    this.ordered = [...infos.values()];
    this._version++;
    this.changeEmitter.fire();
  }

  private setStatus(status: StoreStatus): void {
    if (status.kind === this._status.kind && status.kind !== 'error') return;
    this._status = status;
    this.statusEmitter.fire(status);
    this.changeEmitter.fire();
  }
}

/** The Gemini API filters on the server; a neutral listing is filtered here, on the name and display name. */
function matchesFilter(model: TunedModelInfo, filter: string): boolean {
  if (!filter) return true;
  const needle = filter.toLowerCase();
  return model.name.toLowerCase().includes(needle) || (model.displayName?.toLowerCase().includes(needle) ?? false);
}

function isWireInFlight(state: TunedModel['state']): boolean {
  return state === 'CREATING' || state === undefined || state === 'STATE_UNSPECIFIED';
}

function placeholderFor(name: string, request: TunedModel | undefined): TunedModel {
  const hyperparameters = request?.tuningTask?.hyperparameters;
  return {
    ...request,
    name,
    state: 'CREATING',
    createTime: new Date().toISOString(),
    tuningTask: hyperparameters ? { hyperparameters } : undefined,
  };
}

function stripType<T extends object>(value: T & { '@type'?: string }): T {
  const { '@type': _type, ...rest } = value;
  return rest as T;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
