import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { call, startServer, tempDir, tuningBody } from './harness';

describe('local server: restarts and full disks at recovery', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  const dir = (): string => {
    const d = tempDir('gt-restarts-');
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('jobs that only waited in the queue survive five clean restarts, and resume in creation order', async () => {
    const dataDir = dir();
    const ids = ['job-a', 'job-b', 'job-c', 'job-d'];
    // Slow steps: the two training slots stay busy, so job-c and job-d only ever wait.
    let h = await startServer({ dataDir, stepDelayMs: 60_000 });
    for (const id of ids) assert.equal((await call(h.url, 'POST', `/v1beta/tunedModels?tunedModelId=${id}`, tuningBody({}, 20))).status, 200);
    await h.close();
    for (let restart = 1; restart <= 5; restart++) {
      const logs: string[] = [];
      h = await startServer({ dataDir, stepDelayMs: 60_000, log: (l) => logs.push(l) });
      const resumed = logs.map((l) => /resuming tunedModels\/(job-\w)/.exec(l)?.[1]).filter((id) => id !== undefined);
      assert.deepEqual(resumed, ids, `restart ${restart} resumes oldest first`);
      await h.close();
    }
    h = await startServer({ dataDir, stepDelayMs: 60_000 });
    try {
      for (const id of ['job-c', 'job-d']) {
        const m = (await call(h.url, 'GET', `/v1beta/tunedModels/${id}`)).json;
        assert.equal(m.state, 'CREATING', `${id} never ran, so no restart counts against it`);
      }
    } finally {
      await h.close();
    }
  });

  it('a full disk while resuming does not stop start-up: it logs, serves, and models can be deleted', async () => {
    const dataDir = dir();
    let h = await startServer({ dataDir, stepDelayMs: 60_000 });
    assert.equal((await call(h.url, 'POST', '/v1beta/tunedModels?tunedModelId=stuck-on-full-disk', tuningBody({}, 20))).status, 200);
    await h.close();
    const logs: string[] = [];
    h = await startServer({
      dataDir,
      stepDelayMs: 60_000,
      log: (l) => logs.push(l),
      beforeDiskChange: (change) => {
        if (change.kind === 'writeRecord') throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    });
    try {
      assert.ok(logs.some((l) => /could not resume tunedModels\/stuck-on-full-disk: ENOSPC.*delete tuned models/.test(l)), logs.join('\n'));
      const list = await call(h.url, 'GET', '/v1beta/tunedModels');
      assert.equal(list.status, 200);
      assert.deepEqual(list.json.tunedModels.map((m: { name: string }) => m.name), ['tunedModels/stuck-on-full-disk']);
      assert.equal((await call(h.url, 'DELETE', '/v1beta/tunedModels/stuck-on-full-disk')).status, 200);
      assert.equal((await call(h.url, 'GET', '/v1beta/tunedModels/stuck-on-full-disk')).status, 404);
    } finally {
      await h.close();
    }
  });
});
