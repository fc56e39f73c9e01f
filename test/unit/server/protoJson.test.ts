import assert from 'node:assert/strict';
import { type Harness, call, startServer, tuningBody } from './harness';

describe('local server: requests as Google front end reads them', function () {
  let h: Harness;
  before(async () => (h = await startServer()));
  after(async () => h.close());

  describe('query parameters bind under their proto (snake_case) names too', () => {
    it('tuned_model_id names the model, and is checked like tunedModelId', async () => {
      const r = await call(h.url, 'POST', '/v1beta/tunedModels?tuned_model_id=snake-case-id', tuningBody());
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.metadata.tunedModel, 'tunedModels/snake-case-id');
      assert.equal((await call(h.url, 'GET', '/v1beta/tunedModels/snake-case-id')).status, 200);
      const bad = await call(h.url, 'POST', '/v1beta/tunedModels?tuned_model_id=Not_Valid', tuningBody());
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.details[0].fieldViolations[0].field, 'tunedModelId');
    });

    it('page_size and page_token page a listing as pageSize and pageToken do', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await call(h.url, 'POST', '/v1beta/tunedModels', tuningBody({ displayName: `paged ${i}` }))).status, 200);
      const first = await call(h.url, 'GET', '/v1beta/tunedModels?page_size=2&filter=paged');
      assert.equal(first.json.tunedModels.length, 2);
      const second = await call(h.url, 'GET', `/v1beta/tunedModels?page_size=2&filter=paged&page_token=${first.json.nextPageToken}`);
      assert.equal(second.json.tunedModels.length, 1);
      assert.equal(second.json.nextPageToken, undefined);
      const names = [...first.json.tunedModels, ...second.json.tunedModels].map((m: { displayName: string }) => m.displayName).sort();
      assert.deepEqual(names, ['paged 0', 'paged 1', 'paged 2']);
    });

    it('update_mask selects the fields a PATCH changes', async () => {
      const created = await call(h.url, 'POST', '/v1beta/tunedModels', tuningBody({ displayName: 'masked', description: 'before' }));
      const name = created.json.metadata.tunedModel;
      const r = await call(h.url, 'PATCH', `/v1beta/${name}?update_mask=description`, { displayName: 'ignored', description: 'after' });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.displayName, 'masked');
      assert.equal(r.json.description, 'after');
    });
  });
});
