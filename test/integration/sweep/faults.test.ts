// Server faults against the whole extension, through the fault injection of the local server this
// window runs: a 503 storm while a model trains, 429s with RetryInfo, streams cut at seeded points
// and an in-band error in a prompt notebook, and the server killed with SIGKILL mid-training.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parse } from 'yaml';
import type { Operation } from '../../../src/core/api/types';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import { describeFuzzSeed, fuzzSeeds, Rng } from '../../fuzz/generate';
import { recordSweepCase } from '../../harness/sweepTable';
import { waitFor } from '../../harness/waitFor';
import { activateExtension, createRequest, modelNameOf, whenStore } from '../tree/support';
import {
  answerOf,
  clearFaults,
  describeOutputs,
  errorsOf,
  notebookHooks,
  openNotebookFor,
  pendingFaults,
  runCell,
  setFaults,
  setPrompts,
  settle,
  watchUnhandledRejections,
} from './harness';

const AREA = 'server faults';
const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const CUT_CASES = 5;
const IN_BAND_CASES = 2;

interface CapitalsSpec {
  baseModel: string;
  hyperparameters: { epochCount: number; batchSize: number; learningRate: number };
  examples: { textInput: string; output: string }[];
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

describe('sweep: server faults against the running extension', function () {
  this.timeout(240_000);
  // The stream cuts are placed by this run's fresh fuzz seed (or GEMINI_TUNING_FUZZ_SEED).
  const cutSeed = fuzzSeeds().at(-1)!;
  const seed = cutSeed.seed;
  let api: GeminiTuningApi;
  let rejections: ReturnType<typeof watchUnhandledRejections>;
  /** A model trained on known examples, for the stream cases. */
  let capitals: string;
  let capitalsAnswer: (input: string) => string;

  const assertNoUnhandled = async (): Promise<void> => {
    await settle();
    assert.deepEqual(rejections.seen, [], 'no unhandled rejection or uncaught exception in the extension host');
  };

  before(async () => {
    rejections = watchUnhandledRejections();
    api = await activateExtension();
    assert.equal(api.backend.kind, 'local');
    assert.ok(api.backend.runsLocalServer, 'this window runs its own local server');
    const config = vscode.workspace.getConfiguration('geminiTuning');
    await config.update('polling.initialDelayMs', 300, vscode.ConfigurationTarget.Global);
    await config.update('polling.maxDelayMs', 1000, vscode.ConfigurationTarget.Global);
    await config.update('polling.unfocusedDelayMs', 300, vscode.ConfigurationTarget.Global);
    const client = await api.backend.getClient();
    await clearFaults(api);

    const spec = parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'notebooks', 'capitals.tuning.yaml'), 'utf8')) as CapitalsSpec;
    capitalsAnswer = (input) => spec.examples.find((e) => e.textInput === input)!.output;
    const op = await client.tunedModels.create({
      displayName: 'sweep capitals',
      baseModel: spec.baseModel,
      tuningTask: { hyperparameters: spec.hyperparameters, trainingData: { examples: { examples: spec.examples } } },
    });
    const done = await client.waitForOperation(op, { initialDelayMs: 200, maxDelayMs: 1000 });
    assert.equal(done.error, undefined, `training the capitals model: ${done.error?.message}`);
    capitals = modelNameOf(op);
    await api.store.refresh();
  });

  after(async () => {
    if (api?.backend.baseUrl) await clearFaults(api).catch(() => undefined);
    const config = vscode.workspace.getConfiguration('geminiTuning');
    for (const key of ['polling.initialDelayMs', 'polling.maxDelayMs', 'polling.unfocusedDelayMs']) await config.update(key, undefined, vscode.ConfigurationTarget.Global);
    rejections?.dispose();
  });

  it('a 503 storm while a model trains: the tree keeps the model, recovers by itself and shows it ACTIVE', async () => {
    const STORM = 8;
    const client = await api.backend.getClient();
    const op = await client.tunedModels.create(createRequest('sweep storm', 10));
    const name = modelNameOf(op);
    api.store.track(op);
    assert.equal(api.store.get(name)?.state, 'creating', 'the tree shows the new model as CREATING');

    let failedRefreshes = 0;
    let vanished = 0;
    const started = Date.now();
    const subscriptions = [
      api.store.onDidChangeStatus((s) => {
        if (s.kind === 'error') failedRefreshes++;
      }),
      api.store.onDidChange(() => {
        if (api.store.loaded && !api.store.get(name)) vanished++;
      }),
    ];
    try {
      await setFaults(api, [{ match: 'GET /v1beta/tunedModels', action: 'status', status: 503, count: STORM }]);
      assert.equal(api.store.get(name)?.state, 'creating', 'the storm starts while the model is CREATING');
      await whenStore(api, () => api.store.get(name)?.state === 'active' && api.store.status.kind === 'ready', `${name} ACTIVE after the storm`, 150_000);
    } finally {
      for (const s of subscriptions) s.dispose();
    }
    const left = (await pendingFaults(api)).length;
    const ok = failedRefreshes > 0 && vanished === 0 && left === 0 && rejections.seen.length === 0;
    recordSweepCase({
      area: AREA,
      tried: `503 storm (${STORM} responses) on the tree's polling while a model is CREATING`,
      outcome: `${failedRefreshes} polls failed, the model stayed in the tree (${vanished} drops), ACTIVE after ${seconds(Date.now() - started)}; ${rejections.seen.length} unhandled rejections`,
      ok,
    });
    assert.ok(failedRefreshes > 0, 'the storm made polls fail (otherwise it tested nothing)');
    assert.equal(left, 0, 'every 503 of the storm was served');
    assert.equal(vanished, 0, 'the model never disappeared from a loaded tree');
    await assertNoUnhandled();
  });

  it('a 429 with RetryInfo on a GET: the client waits as asked and succeeds', async () => {
    await setFaults(api, [{ match: 'GET /v1beta/tunedModels', action: 'status', status: 429, retryDelay: '2s', count: 1 }]);
    const started = Date.now();
    await api.store.refresh();
    const listWaited = Date.now() - started;
    const listOk = api.store.status.kind === 'ready' && api.store.get(capitals) !== undefined;

    await setFaults(api, [{ match: `GET /v1beta/${capitals}`, action: 'status', status: 429, retryDelay: '1s', count: 1 }]);
    const client = await api.backend.getClient();
    const getStarted = Date.now();
    const model = await client.tunedModels.get(capitals);
    const getWaited = Date.now() - getStarted;
    const left = (await pendingFaults(api)).length;

    const ok = listOk && listWaited >= 1900 && model.name === capitals && getWaited >= 900 && left === 0;
    recordSweepCase({
      area: AREA,
      tried: '429 RESOURCE_EXHAUSTED with RetryInfo 2s on the tree’s list, 1s on a get',
      outcome: `list retried after ${seconds(listWaited)} and loaded; get retried after ${seconds(getWaited)} and returned the model`,
      ok,
    });
    assert.ok(listOk, `the tree loaded after the 429 (status ${api.store.status.kind})`);
    assert.ok(listWaited >= 1900, `the list waited for the RetryInfo delay (${listWaited} ms)`);
    assert.equal(model.name, capitals);
    assert.ok(getWaited >= 900, `the get waited for the RetryInfo delay (${getWaited} ms)`);
    assert.equal(left, 0, 'both 429s were served');
    await assertNoUnhandled();
  });

  it('a 429 asking for longer than the client waits: the user is told what the backend said', async () => {
    await setFaults(api, [{ match: 'GET /v1beta/tunedModels', action: 'status', status: 429, retryDelay: '300s', count: 1 }]);
    const started = Date.now();
    await api.store.refresh();
    const took = Date.now() - started;
    const status = api.store.status;
    const health = api.backend.health;
    const error = status.kind === 'error' ? status.error : undefined;
    const shown = 'message' in health ? health.message : '';
    await clearFaults(api);
    await api.store.refresh();
    const recovered = api.store.status.kind === 'ready' && api.backend.health.kind === 'connected';

    // The extension's ApiError class is its own bundle's, not this file's: compare by shape.
    const httpStatus = (error as { httpStatus?: number } | undefined)?.httpStatus;
    const ok = httpStatus === 429 && /429/.test(shown) && /retry in 300s/i.test(shown) && took < 10_000 && recovered;
    recordSweepCase({
      area: AREA,
      tried: '429 with RetryInfo 300s (beyond the client’s 60 s limit) on the tree’s list',
      outcome: `failed at once (${seconds(took)}); status bar: "${shown.slice(0, 90)}"; next refresh ${recovered ? 'recovered' : 'did NOT recover'}`,
      ok,
    });
    assert.equal(httpStatus, 429, `the tree holds the 429 (${String(error)})`);
    assert.ok(took < 10_000, `the client did not wait 300 s (${took} ms)`);
    assert.equal(health.kind, 'unreachable');
    assert.match(shown, /429 RESOURCE_EXHAUSTED/);
    assert.match(shown, /retry in 300s/i);
    assert.ok(recovered, 'the next refresh recovers');
    await assertNoUnhandled();
  });

  it(`streams cut at ${CUT_CASES} seeded points and ${IN_BAND_CASES} in-band errors: the partial answer stays, the error says what happened`, async () => {
    const input = 'Japan';
    const notebook = await openNotebookFor(capitals);
    const cells = await setPrompts(notebook, Array.from({ length: 1 + CUT_CASES + IN_BAND_CASES }, () => input), { generationConfig: { temperature: 0 } });
    await clearFaults(api);
    await runCell(cells[0]);
    const full = answerOf(cells[0]);
    assert.equal(full?.text, capitalsAnswer(input), `the uncut answer is the trained one: ${describeOutputs(cells[0])}`);
    // The chunks of the same request, as the client streams them.
    const request = (await notebookHooks()).lastRequest(cells[0]);
    assert.ok(request, 'the first cell sent a request');
    const chunkTexts: string[] = [];
    for await (const chunk of (await api.backend.getClient()).streamGenerateContent(capitals, request)) {
      chunkTexts.push((chunk.candidates?.[0]?.content?.parts ?? []).map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join(''));
    }
    assert.equal(chunkTexts.join(''), full!.text, 'the stream is deterministic at temperature 0');
    assert.ok(chunkTexts.length >= 3, `the answer streams in several chunks (${chunkTexts.length})`);

    // Cut before the first chunk and before the last one, and at seeded points between.
    const rng = Rng.derive(seed, 'stream cuts');
    const middle = Array.from({ length: Math.max(0, chunkTexts.length - 2) }, (_, i) => i + 1);
    for (let i = middle.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [middle[i], middle[j]] = [middle[j], middle[i]];
    }
    const cuts = [0, chunkTexts.length - 1, ...middle].slice(0, CUT_CASES);
    const inBandAt = Array.from({ length: IN_BAND_CASES }, () => rng.int(0, chunkTexts.length - 1));
    const failures: string[] = [];
    const outcomes: string[] = [];
    for (let i = 0; i < CUT_CASES + IN_BAND_CASES; i++) {
      const cell = cells[1 + i];
      const inBand = i >= CUT_CASES;
      const after = inBand ? inBandAt[i - CUT_CASES] : cuts[i % cuts.length];
      await setFaults(api, [inBand ? { match: ':streamGenerateContent', action: 'inBandError', afterChunks: after, status: 500 } : { match: ':streamGenerateContent', action: 'cutStream', afterChunks: after }]);
      await runCell(cell);
      const expected = chunkTexts.slice(0, after).join('');
      const answer = answerOf(cell);
      const errors = errorsOf(cell);
      const problems: string[] = [];
      if ((answer?.text ?? '') !== expected) problems.push(`kept ${JSON.stringify(answer?.text)} instead of ${JSON.stringify(expected)}`);
      if (answer && !answer.meta.interrupted) problems.push('the partial answer is not marked interrupted');
      if (errors.length !== 1) problems.push(`${errors.length} error outputs`);
      const error = errors[0];
      if (inBand) {
        if (!error || !/^API error 500/.test(error.name)) problems.push(`error ${JSON.stringify(error)} does not give the API's status`);
        if (after > 0 && error && !/inside the stream, after part of the answer/.test(error.message)) problems.push(`error ${JSON.stringify(error.message)} does not say it came mid-stream`);
      } else if (!error || !/interrupted/i.test(`${error.name} ${error.message}`)) {
        problems.push(`error ${JSON.stringify(error)} does not say the answer was interrupted`);
      }
      if (cell.executionSummary?.success !== false) problems.push('the run is not marked failed');
      if (problems.length > 0) failures.push(`${inBand ? 'in-band error' : 'cut'} after ${after} chunks: ${problems.join('; ')} — ${describeOutputs(cell)}`);
      outcomes.push(`${inBand ? 'error' : 'cut'}@${after}: ${answer?.text.length ?? 0} chars kept, "${error?.name}"`);
    }
    const left = (await pendingFaults(api)).length;
    recordSweepCase({
      area: AREA,
      tried: `prompt notebook streams cut after ${CUT_CASES} seeded chunk counts and ${IN_BAND_CASES} in-band 500s (${describeFuzzSeed(cutSeed)}, ${chunkTexts.length} chunks in all)`,
      outcome: failures.length === 0 ? `partial text kept exactly, one error each: ${outcomes.join('; ')}` : failures.join(' | '),
      ok: failures.length === 0 && left === 0,
    });
    assert.deepEqual(failures, [], `cuts placed by ${describeFuzzSeed(cutSeed)}`);
    assert.equal(left, 0, 'every injected fault was used');
    await assertNoUnhandled();
  });

  it('the local server killed with SIGKILL mid-training: the extension restarts it and the job ends ACTIVE or FAILED, never lost', async () => {
    const before = api.backend.localServerState;
    assert.ok(before?.kind === 'running' && before.pid, `the local server runs (${JSON.stringify(before)})`);
    const oldUrl = api.backend.baseUrl;
    const client = await api.backend.getClient();
    const op = await client.tunedModels.create(createRequest('sweep crash', 20));
    const name = modelNameOf(op);
    api.store.track(op);
    let progress: Operation | undefined;
    await waitFor(
      async () => {
        progress = await client.operations.get(op.name!);
        return ((progress.metadata?.completedSteps as number | undefined) ?? 0) >= 3;
      },
      'three training steps',
      { intervalMs: 200, timeoutMs: 60_000 },
    );
    assert.ok(!progress?.done, 'the job is still training when the server is killed');

    let lost = 0;
    const watch = api.store.onDidChange(() => {
      if (api.store.loaded && !api.store.get(name)) lost++;
    });
    const killedAt = Date.now();
    try {
      process.kill(before.pid, 'SIGKILL');
      await waitFor(
        () => {
          const state = api.backend.localServerState;
          return state?.kind === 'running' && state.pid !== before.pid && api.backend.baseUrl !== oldUrl;
        },
        'the local server to be restarted',
        { events: [api.backend.onDidChange, api.backend.onDidChangeHealth], timeoutMs: 60_000 },
      );
      const restartedAfter = Date.now() - killedAt;
      await whenStore(api, () => ['active', 'failed'].includes(api.store.get(name)?.state ?? ''), `${name} to end ACTIVE or FAILED`, 150_000);
      const model = api.store.get(name)!;
      const finalOp = await (await api.backend.getClient()).operations.get(op.name!);
      const reason = finalOp.error?.message ?? '';
      const ok = lost === 0 && finalOp.done === true && (model.state === 'active' || reason.length > 0);
      recordSweepCase({
        area: AREA,
        tried: `local server SIGKILLed at step ${progress?.metadata?.completedSteps} of ${progress?.metadata?.totalSteps} of a training job`,
        outcome: `restarted in ${seconds(restartedAfter)} on a new port; the job ended ${model.state}${reason ? ` (${reason})` : ''} ${seconds(Date.now() - killedAt)} after the kill; ${lost} times missing from the loaded tree`,
        ok,
      });
      assert.equal(lost, 0, 'the model never went missing from a loaded tree');
      assert.equal(finalOp.done, true, 'the operation is done');
      if (model.state === 'failed') assert.ok(reason.length > 0, 'a FAILED job says why');
    } finally {
      watch.dispose();
    }
    await assertNoUnhandled();
  });
});
