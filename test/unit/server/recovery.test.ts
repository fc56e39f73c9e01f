import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ModelRecord } from '../../../src/server/records';
import { Rng } from '../../fuzz/generate';
import { describeSeed, seedFrom } from '../../harness/seed';
import { waitFor } from '../../harness/waitFor';
import { SERVER_SCRIPT, WORKER_SCRIPT, call, examples, startServer, tempDir, trainModel, tuningBody, waitDone } from './harness';

const KILL_SEED_VARIABLE = 'GEMINI_TUNING_RECOVERY_SEED';

interface Child {
  url: string;
  proc: ChildProcess;
  stdout: string[];
}

function spawnServer(dataDir: string, stepDelayMs: number): Promise<Child> {
  const proc = spawn(process.execPath, [SERVER_SCRIPT, '--port', '0', '--data-dir', dataDir, '--step-delay-ms', String(stepDelayMs), '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  return new Promise((resolve, reject) => {
    let buffer = '';
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => {
      buffer += d;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        stdout.push(line);
        const m = /^listening on (http:\/\/\S+)$/.exec(line);
        if (m) resolve({ url: m[1], proc, stdout });
      }
    });
    proc.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
  });
}

function kill9(child: Child): Promise<void> {
  return new Promise((resolve) => {
    child.proc.once('exit', () => resolve());
    child.proc.kill('SIGKILL');
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitForStep(url: string, opName: string, step: number): Promise<void> {
  await waitFor(
    async () => {
      const op = (await call(url, 'GET', `/v1beta/${opName}`)).json;
      return (op.metadata.completedSteps ?? 0) >= step || op.done;
    },
    `${opName} to reach step ${step}`,
    { intervalMs: 20 },
  );
}

function assertFinished(op: { done?: boolean; error?: { message: string }; metadata: { totalSteps: number; snapshots?: { step: number }[] } }): void {
  assert.equal(op.done, true);
  if (op.error) {
    assert.ok(op.error.message.length > 10, `FAILED with a reason: ${op.error.message}`);
    return;
  }
  const steps = (op.metadata.snapshots ?? []).map((s) => s.step);
  assert.deepEqual(steps, Array.from({ length: op.metadata.totalSteps }, (_, i) => i + 1), 'every step has exactly one snapshot');
}

describe('local server: crash recovery (kill -9)', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const dir = (): string => {
    const d = tempDir('gt-recovery-');
    dirs.push(d);
    return d;
  };

  it('SIGTERM stops the CLI cleanly, printing exactly one stdout line', async () => {
    const child = await spawnServer(dir(), 0);
    assert.equal((await call(child.url, 'GET', '/v1beta/models')).status, 200);
    const exited = new Promise<number | null>((r) => child.proc.once('exit', (code) => r(code)));
    child.proc.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(child.stdout, [child.stdout[0]]);
    assert.match(child.stdout[0], /^listening on http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('--parent-pid: the server stops by itself when its parent is killed with SIGKILL', async () => {
    const launcher = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, [${JSON.stringify(SERVER_SCRIPT)}, '--port', '0', '--data-dir', ${JSON.stringify(dir())}, '--parent-pid', String(process.pid), '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.on('data', (d) => process.stdout.write('server ' + child.pid + ' ' + d));
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', launcher], { stdio: ['ignore', 'pipe', 'inherit'] });
    const serverPid = await new Promise<number>((resolve, reject) => {
      let text = '';
      parent.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /^server (\d+) listening on /m.exec(text);
        if (m) resolve(Number(m[1]));
      });
      parent.once('exit', () => reject(new Error('launcher exited before the server listened')));
    });
    const alive = (): boolean => {
      try {
        process.kill(serverPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    assert.ok(alive(), 'the server runs while its parent lives');
    parent.kill('SIGKILL');
    await waitFor(() => !alive(), 'the orphaned server to stop', { timeoutMs: 30_000 }).catch(() => undefined);
    const survived = alive();
    if (survived) process.kill(serverPid, 'SIGKILL');
    assert.equal(survived, false, 'the orphaned server stopped within 30 s');
  });

  it('mid-training: the job resumes from its checkpoint and ends ACTIVE with every snapshot; finished models stay intact', async () => {
    const dataDir = dir();
    let child = await spawnServer(dataDir, 40);
    const finished = await call(child.url, 'POST', '/v1beta/tunedModels?tunedModelId=finished-first', tuningBody());
    const finishedOp = await waitDone(child.url, finished.json.name);
    const created = await call(child.url, 'POST', '/v1beta/tunedModels?tunedModelId=long-job', tuningBody({}, 40));
    assert.equal(created.status, 200);
    const opName = created.json.name;
    await waitForStep(child.url, opName, 6);
    const before = (await call(child.url, 'GET', `/v1beta/${opName}`)).json;
    await kill9(child);

    child = await spawnServer(dataDir, 0);
    try {
      const intact = (await call(child.url, 'GET', `/v1beta/${finished.json.name}`)).json;
      assert.deepEqual(intact, finishedOp, 'the finished model and its operation survived unchanged');
      const op = await waitDone(child.url, opName);
      assertFinished(op);
      assert.equal(op.error, undefined, 'resumed rather than failed');
      const firstBefore = before.metadata.snapshots[0];
      assert.deepEqual(op.metadata.snapshots[0], firstBefore, 'steps done before the kill are kept, not recomputed');
      const model = (await call(child.url, 'GET', '/v1beta/tunedModels/long-job')).json;
      assert.equal(model.state, 'ACTIVE');
      assert.equal(model.tuningTask.snapshots.length, op.metadata.totalSteps);
      const gen = await call(child.url, 'POST', '/v1beta/tunedModels/long-job:generateContent', { contents: [{ parts: [{ text: 'item 3' }] }], generationConfig: { temperature: 0 } });
      assert.equal(gen.status, 200);
    } finally {
      await kill9(child);
    }
  });

  it('kill -9 right after create: the acknowledged model exists after restart and finishes', async () => {
    const dataDir = dir();
    let child = await spawnServer(dataDir, 0);
    const created = await call(child.url, 'POST', '/v1beta/tunedModels', tuningBody({}, 8));
    assert.equal(created.status, 200);
    await kill9(child);
    child = await spawnServer(dataDir, 0);
    try {
      assertFinished(await waitDone(child.url, created.json.name));
    } finally {
      await kill9(child);
    }
  });

  it('kill -9 while creates are in flight: nothing acknowledged is lost, nothing stays CREATING', async () => {
    // Where the kill lands is random: after a seeded number of acknowledged creates, a seeded
    // delay into the next ones.
    const seed = seedFrom(KILL_SEED_VARIABLE);
    console.log(`      kill point ${describeSeed(KILL_SEED_VARIABLE, seed)}`);
    const rng = new Rng(seed);
    const killAfterAcks = rng.int(1, 4);
    const extraDelayMs = rng.int(0, 40);
    const dataDir = dir();
    let child = await spawnServer(dataDir, 0);
    const acknowledged: string[] = [];
    let inFlight = 0;
    // Every job acknowledged before the kill must then train to its end: one epoch of 20 examples
    // each keeps that to seconds, even on a loaded machine.
    const body = tuningBody({}, 20);
    (body.tuningTask as { hyperparameters: unknown }).hyperparameters = { epochCount: 1, batchSize: 4 };
    const sender = async (): Promise<void> => {
      while (acknowledged.length < 50) {
        inFlight++;
        const r = await call(child.url, 'POST', '/v1beta/tunedModels', body).catch(() => undefined);
        inFlight--;
        if (!r) return;
        if (r.status === 200) acknowledged.push(r.json.name);
      }
    };
    const senders = Promise.all([sender(), sender(), sender()]);
    await waitFor(() => acknowledged.length >= killAfterAcks, `${killAfterAcks} acknowledged creates (${describeSeed(KILL_SEED_VARIABLE, seed)})`, { intervalMs: 1 });
    await sleep(extraDelayMs);
    const inFlightAtKill = inFlight;
    await kill9(child);
    await senders;
    child = await spawnServer(dataDir, 0);
    try {
      const listed: { name: string; state: string }[] = (await call(child.url, 'GET', '/v1beta/tunedModels?pageSize=1000')).json.tunedModels ?? [];
      const names = new Set(listed.map((m) => m.name));
      assert.ok(acknowledged.length >= killAfterAcks, `the kill came after ${acknowledged.length} acknowledged creates`);
      for (const op of acknowledged) assert.ok(names.has(op.split('/operations/')[0]), `acknowledged ${op} survived (${describeSeed(KILL_SEED_VARIABLE, seed)})`);
      assert.ok(listed.length <= acknowledged.length + inFlightAtKill, `${listed.length} listed: only the ${acknowledged.length} acknowledged and at most the ${inFlightAtKill} in flight`);
      for (const m of listed) {
        const ops = (await call(child.url, 'GET', `/v1beta/${m.name}/operations`)).json.operations;
        assertFinished(await waitDone(child.url, ops[0].name, 90_000));
      }
      const states = (await call(child.url, 'GET', '/v1beta/tunedModels?pageSize=1000')).json.tunedModels.map((m: { state: string }) => m.state);
      assert.deepEqual(states.filter((state: string) => state === 'CREATING'), [], 'nothing stays CREATING');
      console.log(`      killed with ${acknowledged.length} acknowledged and ${inFlightAtKill} in flight; ${listed.length} listed after restart`);
    } finally {
      await kill9(child);
    }
  });

  it('a job whose training data vanished is FAILED with a reason; a job that never progresses is given up', async () => {
    const dataDir = dir();
    let h = await startServer({ dataDir, stepDelayMs: 200 });
    const lost = await call(h.url, 'POST', '/v1beta/tunedModels?tunedModelId=lost-data', tuningBody({}, 20));
    const stuck = await call(h.url, 'POST', '/v1beta/tunedModels?tunedModelId=stuck-job', tuningBody({}, 20));
    await h.close();
    unlinkSync(path.join(dataDir, 'tunedModels', 'lost-data', 'training-data.json'));
    const stuckFile = path.join(dataDir, 'tunedModels', 'stuck-job', 'model.json');
    const record = JSON.parse(readFileSync(stuckFile, 'utf8')) as ModelRecord;
    record.resumesWithoutProgress = 4;
    writeFileSync(stuckFile, JSON.stringify(record));
    h = await startServer({ dataDir, stepDelayMs: 0 });
    try {
      const lostOp = (await call(h.url, 'GET', `/v1beta/${lost.json.name}`)).json;
      assert.equal(lostOp.done, true);
      assert.equal(lostOp.error.code, 15, 'DATA_LOSS');
      assert.match(lostOp.error.message, /training data could not be read/);
      assert.equal(lostOp.error.status, undefined, 'Operation.error carries no status string');
      assert.equal((await call(h.url, 'GET', '/v1beta/tunedModels/lost-data')).json.state, 'FAILED');
      const stuckOp = (await call(h.url, 'GET', `/v1beta/${stuck.json.name}`)).json;
      assert.equal(stuckOp.error.code, 10, 'ABORTED');
      assert.match(stuckOp.error.message, /interrupted by a server stop 4 times/);
      const gen = await call(h.url, 'POST', '/v1beta/tunedModels/lost-data:generateContent', { contents: [{ parts: [{ text: 'x' }] }] });
      assert.equal(gen.json.error.status, 'FAILED_PRECONDITION');
    } finally {
      await h.close();
    }
  });

  it('an unfinished create (no model.json) is cleaned up; temp files are removed; stray directories ignored', async () => {
    const dataDir = dir();
    const half = path.join(dataDir, 'tunedModels', 'half-created');
    mkdirSync(half, { recursive: true });
    writeFileSync(path.join(half, 'training-data.json'), '{"examples":[]}');
    mkdirSync(path.join(dataDir, 'tunedModels', 'Not_An_Id'), { recursive: true });
    const seeded = await startServer({ dataDir: dir() });
    const finished = await trainModel(seeded.url, tuningBody({ displayName: 'kept' }));
    await seeded.close();
    const finishedDir = path.join(seeded.dataDir, 'tunedModels', finished.split('/')[1]);
    const keptDir = path.join(dataDir, 'tunedModels', finished.split('/')[1]);
    cpSync(finishedDir, keptDir, { recursive: true });
    const leftover = path.join(keptDir, '.model.json.4242.abcdef.tmp');
    writeFileSync(leftover, '{"torn');
    utimesSync(leftover, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const logs: string[] = [];
    const h = await startServer({ dataDir, log: (l) => logs.push(l) });
    try {
      const listed = (await call(h.url, 'GET', '/v1beta/tunedModels')).json;
      assert.deepEqual(listed.tunedModels.map((m: { name: string }) => m.name), [finished], 'only the finished model is served');
      await waitFor(() => !existsSync(leftover), 'the temp file a crash left behind to be removed (cleanup runs after start-up)', { timeoutMs: 20_000 });
      assert.ok(logs.some((l) => l.includes('half-created') && l.includes('never completed')));
      assert.ok(logs.some((l) => l.includes('Not_An_Id') && l.includes('ignored')));
    } finally {
      await h.close();
    }
  });

  it('2,500 models load from disk and page through list without repeats', async () => {
    const dataDir = dir();
    const now = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 2_500; i++) {
      const id = `seeded-${String(i).padStart(5, '0')}`;
      const d = path.join(dataDir, 'tunedModels', id);
      mkdirSync(d, { recursive: true });
      const t = new Date(now + Math.floor(i / 3) * 1000).toISOString();
      const record: ModelRecord = {
        v: 1, id, displayName: `seeded ${i}`, baseModel: 'models/gemini-1.5-flash-001-tuning', temperature: 1, topP: 0.95, topK: 64,
        state: 'ACTIVE', createTime: t, updateTime: t, hyperparameters: { learningRate: 0.001, epochCount: 5, batchSize: 4 }, learningRate: 0.001,
        snapshots: [{ step: 1, epoch: 1, meanLoss: 1, computeTime: t }], operationId: 'abcdefabcdef', totalSteps: 1, exampleCount: 1, seed: 1,
        permissions: [{ id: 'owner', granteeType: 'USER', emailAddress: 'local-user@localhost', role: 'OWNER' }], resumeCount: 0,
      };
      writeFileSync(path.join(d, 'model.json'), JSON.stringify(record));
    }
    const h = await startServer({ dataDir, workerScript: WORKER_SCRIPT });
    try {
      const seen = new Set<string>();
      let token: string | undefined;
      let pages = 0;
      let previous = '9999';
      do {
        const r = await call(h.url, 'GET', `/v1beta/tunedModels?pageSize=1000&prettyPrint=false${token ? `&pageToken=${token}` : ''}`);
        for (const m of r.json.tunedModels) {
          assert.ok(!seen.has(m.name));
          assert.ok(m.createTime <= previous, 'newest first');
          previous = m.createTime;
          seen.add(m.name);
        }
        token = r.json.nextPageToken;
        pages++;
      } while (token);
      assert.equal(seen.size, 2_500);
      assert.equal(pages, 3);
      const filtered = await call(h.url, 'GET', '/v1beta/tunedModels?filter=seeded%202499');
      assert.deepEqual(filtered.json.tunedModels.map((m: { name: string }) => m.name), ['tunedModels/seeded-02499']);
      const extra = await call(h.url, 'POST', '/v1beta/tunedModels', tuningBody({ tuningTask: { trainingData: { examples: { examples: examples(2) } } } }));
      const first = await call(h.url, 'GET', '/v1beta/tunedModels?pageSize=1');
      assert.equal(first.json.tunedModels[0].name, extra.json.metadata.tunedModel, 'a new model is listed first');
    } finally {
      await h.close();
    }
  });
});
