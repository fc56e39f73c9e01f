import * as assert from 'node:assert/strict';
import { type ListOperationsResponse, type Operation, type TunedModel } from '../../../src/core/api/types';
import { fromGeminiTunedModel } from '../../../src/core/tuning/geminiApi';
import { VertexBackend, type VertexTuningClient } from '../../../src/core/tuning/vertexBackend';
import type { TuningJob } from '../../../src/core/vertex/types';
import { CoalescingRunner } from '../../../src/core/util/coalesce';
import { Emitter, nextEvent } from '../../../src/core/util/event';
import { type StateChange, type TunedModelsApi, TunedModelsStore } from '../../../src/extension/tunedModelsStore';

/** An in-memory backend with the list semantics of the API: pages of at most 1000, newest first. */
class FakeApi implements TunedModelsApi {
  models: TunedModel[] = [];
  operationsByModel = new Map<string, Operation>();
  listCalls: Array<{ pageSize?: number; filter?: string }> = [];
  pageRequests = 0;
  failNext: Error | undefined;
  listGate: Promise<void> | undefined;

  readonly tunedModels = {
    listAll: (opts?: { pageSize?: number; filter?: string }): AsyncIterable<TunedModel> => {
      this.listCalls.push({ pageSize: opts?.pageSize, filter: opts?.filter });
      return this.pages(this.models.slice(), Math.min(opts?.pageSize ?? 10, 1000), opts?.filter);
    },
  };

  private async *pages(snapshot: TunedModel[], pageSize: number, filter: string | undefined): AsyncIterable<TunedModel> {
    await this.listGate;
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    for (let i = 0; i < snapshot.length; i += pageSize) {
      this.pageRequests++;
      yield* snapshot.slice(i, i + pageSize).filter((m) => !filter || m.displayName?.includes(filter));
    }
  }

  readonly operations = {
    get: async (name: string): Promise<Operation> => {
      for (const op of this.operationsByModel.values()) if (op.name === name) return op;
      throw new Error(`no operation ${name}`);
    },
    list: async (modelName: string): Promise<ListOperationsResponse> => {
      const op = this.operationsByModel.get(modelName);
      return { operations: op ? [op] : [] };
    },
  };
}

function source(api: TunedModelsApi) {
  const changes = new Emitter<void>();
  const outcomes: unknown[] = [];
  return {
    onDidChange: changes.event,
    getClient: async () => api,
    reportOutcome: (e: unknown) => outcomes.push(e),
    fireChange: () => changes.fire(),
    outcomes,
  };
}

const focus = { focused: true, onDidChangeFocus: new Emitter<boolean>().event };
const fastPolling = () => ({ initialDelayMs: 20, maxDelayMs: 80, unfocusedDelayMs: 200 });

function m(id: string, state: TunedModel['state'], displayName = id): TunedModel {
  return { name: `tunedModels/${id}`, state, displayName, createTime: '2026-11-21T00:00:00Z' };
}

describe('TunedModelsStore', () => {
  let store: TunedModelsStore | undefined;
  afterEach(() => store?.dispose());

  it('lists every page with pageSize 1000', async () => {
    const api = new FakeApi();
    api.models = Array.from({ length: 2500 }, (_, i) => m(`m${i}`, i % 5 === 0 ? 'FAILED' : 'ACTIVE'));
    store = new TunedModelsStore(source(api), { focus, polling: fastPolling });
    await store.refresh();
    assert.equal(store.models.length, 2500);
    assert.deepEqual(api.listCalls, [{ pageSize: 1000, filter: undefined }]);
    assert.equal(api.pageRequests, 3);
    assert.equal(store.get('tunedModels/m7')?.state, 'active');
    assert.equal(store.loaded, true);
    assert.equal(store.status.kind, 'ready');
  });

  it('coalesces a burst of refreshes into at most two loads', async () => {
    const api = new FakeApi();
    api.models = [m('a', 'ACTIVE')];
    let open!: () => void;
    api.listGate = new Promise((r) => (open = r));
    store = new TunedModelsStore(source(api), { focus, polling: fastPolling });
    const calls = Array.from({ length: 10 }, () => store!.refresh());
    open();
    await Promise.all(calls);
    assert.equal(api.listCalls.length, 2);
  });

  it('reports CREATING → ACTIVE and polls until nothing is in flight', async () => {
    const api = new FakeApi();
    api.models = [m('a', 'CREATING'), m('b', 'ACTIVE')];
    api.operationsByModel.set('tunedModels/a', {
      name: 'tunedModels/a/operations/op1',
      metadata: { '@type': 't', tunedModel: 'tunedModels/a', totalSteps: 10, completedSteps: 3, completedPercent: 30 },
    });
    const src = source(api);
    store = new TunedModelsStore(src, { focus, polling: fastPolling });
    await store.refresh();
    assert.equal(store.get('tunedModels/a')?.progress?.percent, 30);
    assert.equal(store.isPolling, true);

    const changed = nextEvent<StateChange>(store.onDidChangeState);
    api.models = [{ ...m('a', 'ACTIVE') }, m('b', 'ACTIVE')];
    const change = await changed;
    assert.equal(change.model.name, 'tunedModels/a');
    assert.equal(change.previous, 'creating');
    assert.equal(change.model.state, 'active');
    assert.equal(store.isPolling, false, 'polling stops when nothing is in flight');
    assert.equal(store.get('tunedModels/a')?.progress, undefined);
    assert.ok(src.outcomes.every((o) => o === undefined));
  });

  it('does not report the models of the first load as state changes, but reports new ones later', async () => {
    const api = new FakeApi();
    api.models = [m('a', 'ACTIVE')];
    store = new TunedModelsStore(source(api), { focus, polling: fastPolling });
    const seen: StateChange[] = [];
    store.onDidChangeState((c) => seen.push(c));
    await store.refresh();
    assert.equal(seen.length, 0);
    api.models = [m('b', 'ACTIVE'), m('a', 'ACTIVE')];
    await store.refresh();
    assert.deepEqual(
      seen.map((c) => [c.model.name, c.previous]),
      [['tunedModels/b', undefined]],
    );
  });

  it('reports every state change of one reload together, once', async () => {
    const api = new FakeApi();
    api.models = [m('a', 'CREATING'), m('b', 'CREATING'), m('c', 'CREATING')];
    store = new TunedModelsStore(source(api), { focus, polling: fastPolling });
    await store.refresh();
    const batches: string[][] = [];
    store.onDidChangeStates((changes) => batches.push(changes.map((c) => `${c.model.name} ${c.previous}→${c.model.state}`)));
    api.models = [m('a', 'ACTIVE'), m('b', 'FAILED'), m('c', 'ACTIVE')];
    await store.refresh();
    assert.deepEqual(batches, [['tunedModels/a creating→active', 'tunedModels/b creating→failed', 'tunedModels/c creating→active']]);
    await store.refresh();
    assert.equal(batches.length, 1, 'a reload without changes reports nothing');
  });

  it('follows a tracked operation before the model is listed', async () => {
    const api = new FakeApi();
    store = new TunedModelsStore(source(api), { focus, polling: fastPolling });
    await store.refresh();
    const op: Operation = { name: 'tunedModels/new/operations/x', metadata: { '@type': 't', tunedModel: 'tunedModels/new', totalSteps: 4 } };
    api.operationsByModel.set('tunedModels/new', op);
    store.track(op);
    assert.equal(store.get('tunedModels/new')?.state, 'creating');
    assert.equal(store.followedOperation('tunedModels/new'), op.name);
    assert.equal(store.get('tunedModels/new')?.progress?.totalSteps, 4);
  });

  it('clears and reloads when the backend changes, dropping a load that was under way', async () => {
    const first = new FakeApi();
    first.models = [m('old', 'ACTIVE')];
    const second = new FakeApi();
    second.models = [m('new', 'ACTIVE')];
    let current: FakeApi = first;
    const changes = new Emitter<void>();
    store = new TunedModelsStore({ onDidChange: changes.event, getClient: async () => current }, { focus, polling: fastPolling });
    let open!: () => void;
    first.listGate = new Promise((r) => (open = r));
    const stale = store.refresh();
    current = second;
    changes.fire();
    open();
    await stale;
    await store.refresh();
    assert.deepEqual(
      store.models.map((x) => x.name),
      ['tunedModels/new'],
    );
  });

  it('keeps the models it has and reports the error when a load fails', async () => {
    const api = new FakeApi();
    api.models = [m('a', 'ACTIVE')];
    const src = source(api);
    store = new TunedModelsStore(src, { focus, polling: fastPolling });
    await store.refresh();
    api.failNext = new Error('boom');
    await store.refresh();
    assert.equal(store.status.kind, 'error');
    assert.equal(store.models.length, 1);
    assert.equal((src.outcomes.at(-1) as Error).message, 'boom');
  });

  it('passes the filter to the API and reloads', async () => {
    const api = new FakeApi();
    api.models = [m('a', 'ACTIVE', 'translator'), m('b', 'ACTIVE', 'poet')];
    store = new TunedModelsStore(source(api), { focus, polling: fastPolling });
    await store.refresh();
    await store.setFilter(' poet ');
    assert.equal(store.filter, 'poet');
    assert.deepEqual(api.listCalls.at(-1), { pageSize: 1000, filter: 'poet' });
    assert.deepEqual(
      store.models.map((x) => x.name),
      ['tunedModels/b'],
    );
  });

  it('reads the progress of every CREATING model, however many, a few requests at a time', async () => {
    const api = new FakeApi();
    const count = 130;
    api.models = Array.from({ length: count }, (_, i) => m(`c${i}`, 'CREATING'));
    for (let i = 0; i < count; i++) {
      api.operationsByModel.set(`tunedModels/c${i}`, {
        name: `tunedModels/c${i}/operations/op`,
        metadata: { '@type': 't', tunedModel: `tunedModels/c${i}`, totalSteps: 200, completedSteps: i, completedPercent: i / 2 },
      });
    }
    let inFlight = 0;
    let mostAtOnce = 0;
    const counted = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
      inFlight++;
      mostAtOnce = Math.max(mostAtOnce, inFlight);
      try {
        await new Promise((r) => setImmediate(r));
        return await call(...args);
      } finally {
        inFlight--;
      }
    };
    const limited: TunedModelsApi = { tunedModels: api.tunedModels, operations: { get: counted(api.operations.get), list: counted(api.operations.list) } };
    store = new TunedModelsStore(source(limited), { focus, polling: fastPolling, operationConcurrency: 5 });
    await store.refresh();
    for (let i = 0; i < count; i++) assert.equal(store.get(`tunedModels/c${i}`)?.progress?.completedSteps, i, `progress of model ${i}`);
    assert.equal(mostAtOnce, 5);

    // The next poll asks for each operation by name.
    api.operationsByModel.get('tunedModels/c129')!.metadata!.completedSteps = 199;
    await store.refresh();
    assert.equal(store.get('tunedModels/c129')?.progress?.completedSteps, 199);
    assert.ok(mostAtOnce <= 5);
  });

  it('keeps why a followed job failed, for the notification and the tooltip', async () => {
    const api = new FakeApi();
    api.models = [m('a', 'CREATING')];
    const op: Operation = { name: 'tunedModels/a/operations/op1', metadata: { '@type': 't', tunedModel: 'tunedModels/a', totalSteps: 10 } };
    api.operationsByModel.set('tunedModels/a', op);
    store = new TunedModelsStore(source(api), { focus, polling: fastPolling });
    await store.refresh();
    const changed = nextEvent<StateChange>(store.onDidChangeState);
    api.models = [m('a', 'FAILED')];
    api.operationsByModel.set('tunedModels/a', { ...op, done: true, error: { code: 13, message: 'out of memory' } });
    const change = await changed;
    assert.equal(change.model.state, 'failed');
    assert.equal(store.get('tunedModels/a')?.stateDetail, 'out of memory', 'known when the change is reported');
    await store.refresh();
    assert.equal(store.get('tunedModels/a')?.stateDetail, 'out of memory', 'still known after later loads');
  });

  it('applies patches and deletions the caller made', async () => {
    const api = new FakeApi();
    api.models = [m('a', 'ACTIVE'), m('b', 'ACTIVE')];
    store = new TunedModelsStore(source(api), { focus, polling: fastPolling });
    await store.refresh();
    const version = store.version;
    store.upsert(fromGeminiTunedModel({ ...m('a', 'ACTIVE'), displayName: 'renamed' }));
    store.remove('tunedModels/b');
    assert.equal(store.get('tunedModels/a')?.displayName, 'renamed');
    assert.equal(store.get('tunedModels/b'), undefined);
    assert.ok(store.version > version);
  });
});

describe('CoalescingRunner', () => {
  it('runs once more after the current run for all calls made meanwhile', async () => {
    let runs = 0;
    let release!: () => void;
    const runner = new CoalescingRunner(async () => {
      runs++;
      if (runs === 1) await new Promise<void>((r) => (release = r));
    });
    const a = runner.run();
    const b = runner.run();
    const c = runner.run();
    assert.notEqual(a, b);
    assert.equal(b, c);
    await new Promise((r) => setImmediate(r));
    release();
    await Promise.all([a, b, c]);
    assert.equal(runs, 2);
    await runner.run();
    assert.equal(runs, 3);
  });
});

describe('TunedModelsStore over a neutral listing (Vertex AI tuning jobs)', () => {
  let store: TunedModelsStore | undefined;
  afterEach(() => store?.dispose());

  const JOB = 'projects/123/locations/us-central1/tuningJobs/9';
  function vertexSource(jobs: { current: TuningJob[] }) {
    const client = {
      tuningJobs: { listAll: async function* () { yield* jobs.current; } },
    } as unknown as VertexTuningClient;
    const backend = new VertexBackend({ client, uploader: { upload: () => Promise.reject(new Error('no uploads here')) } });
    const changes = new Emitter<void>();
    const outcomes: unknown[] = [];
    return {
      onDidChange: changes.event,
      getClient: () => Promise.reject(new Error('a neutral listing never asks for the Gemini client')),
      neutralListing: () => Promise.resolve(backend),
      reportOutcome: (e: unknown) => outcomes.push(e),
      outcomes,
    };
  }

  it('lists the jobs as neutral models, follows a running one, and reports RUNNING → CANCELLED', async () => {
    const jobs = { current: [{ name: JOB, state: 'JOB_STATE_RUNNING', tunedModelDisplayName: 'from vertex', createTime: '2026-11-21T00:00:00Z' }] as TuningJob[] };
    const src = vertexSource(jobs);
    store = new TunedModelsStore(src, { focus, polling: fastPolling });
    await store.refresh();
    assert.equal(store.status.kind, 'ready');
    assert.equal(store.get(JOB)?.backend, 'vertex');
    assert.equal(store.get(JOB)?.state, 'creating');
    assert.equal(store.get(JOB)?.displayName, 'from vertex');
    assert.equal(store.isPolling, true, 'a running job is followed');

    const changed = nextEvent<StateChange>(store.onDidChangeState);
    jobs.current = [{ ...jobs.current[0], state: 'JOB_STATE_CANCELLED' }];
    const change = await changed;
    assert.equal(change.model.name, JOB);
    assert.equal(change.previous, 'creating');
    assert.equal(change.model.state, 'cancelled');
    assert.equal(store.isPolling, false);
    assert.ok(src.outcomes.every((o) => o === undefined));
  });

  it('filters on the display name, here rather than on the server', async () => {
    const jobs = { current: [{ name: JOB, state: 'JOB_STATE_SUCCEEDED', tunedModelDisplayName: 'kept' }, { name: `${JOB}0`, state: 'JOB_STATE_SUCCEEDED', tunedModelDisplayName: 'other' }] as TuningJob[] };
    store = new TunedModelsStore(vertexSource(jobs), { focus, polling: fastPolling });
    await store.setFilter('KEPT');
    assert.deepEqual(store.models.map((model) => model.name), [JOB]);
  });
});
