import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { DiskChange } from '../../../src/server/store';
import { type Harness, call, startServer, trainModel, tuningBody } from './harness';

describe('local server: memory changes only after the disk did', function () {
  let h: Harness;
  let failing: DiskChange['kind'] | undefined;
  before(async () => {
    h = await startServer({
      beforeDiskChange: (change) => {
        if (change.kind === failing) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    });
  });
  after(async () => h.close());
  afterEach(() => (failing = undefined));

  it('a PATCH whose write fails answers 500 and GET still shows the old model; the next save does not persist it', async () => {
    const name = await trainModel(h.url, tuningBody({ displayName: 'before' }));
    const original = (await call(h.url, 'GET', `/v1beta/${name}`)).json;
    failing = 'writeRecord';
    const patch = await call(h.url, 'PATCH', `/v1beta/${name}?updateMask=displayName`, { displayName: 'after' });
    assert.equal(patch.status, 500);
    assert.deepEqual((await call(h.url, 'GET', `/v1beta/${name}`)).json, original);
    failing = undefined;
    const other = await call(h.url, 'PATCH', `/v1beta/${name}?updateMask=description`, { description: 'saved' });
    assert.equal(other.status, 200);
    assert.equal(other.json.displayName, 'before');
    assert.equal(other.json.description, 'saved');
  });

  it('a DELETE whose move fails answers 500 and the model stays, in the list and on disk', async () => {
    const name = await trainModel(h.url, tuningBody({ displayName: 'kept' }));
    failing = 'moveToTrash';
    const del = await call(h.url, 'DELETE', `/v1beta/${name}`);
    assert.equal(del.status, 500);
    assert.equal((await call(h.url, 'GET', `/v1beta/${name}`)).status, 200);
    const listed = (await call(h.url, 'GET', '/v1beta/tunedModels?pageSize=1000')).json.tunedModels as { name: string }[];
    assert.ok(listed.some((m) => m.name === name), 'still listed');
    assert.ok(existsSync(path.join(h.dataDir, name)), 'still on disk');
    failing = undefined;
    assert.equal((await call(h.url, 'DELETE', `/v1beta/${name}`)).status, 200);
    assert.equal((await call(h.url, 'GET', `/v1beta/${name}`)).status, 404);
  });
});
