import assert from 'node:assert/strict';
import { randomBytes, createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Storage } from '@google-cloud/storage';
import { type Harness, startServer } from './harness';

// Google's Cloud Storage client, unchanged: `apiEndpoint` pointed at the local server, as one points
// it at any Cloud Storage emulator (the client then sends no credentials: the server is started
// without a token, as the extension starts it), its default upload (resumable for a file), then a
// read of the object's metadata and bytes.
describe('local server: @google-cloud/storage against the Cloud Storage surface', function () {
  this.timeout(60_000);
  let h: Harness;
  let tmp: string;
  let savedDetection: string | undefined;
  before(async () => {
    savedDetection = process.env.METADATA_SERVER_DETECTION;
    process.env.METADATA_SERVER_DETECTION = 'none';
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-storage-sdk-'));
    h = await startServer();
    const [bucket] = await storage().createBucket('sdk-bucket');
    assert.equal(bucket.name, 'sdk-bucket');
  });
  after(async () => {
    await h.close();
    fs.rmSync(tmp, { recursive: true, force: true });
    if (savedDetection === undefined) delete process.env.METADATA_SERVER_DETECTION;
    else process.env.METADATA_SERVER_DETECTION = savedDetection;
  });

  const storage = (): Storage => new Storage({ apiEndpoint: h.url, projectId: 'my-proj' });

  it('uploads a file with its default resumable upload, then reads its metadata and its bytes back', async () => {
    const lines = Array.from({ length: 2_000 }, (_, i) => JSON.stringify({ contents: [{ role: 'user', parts: [{ text: `row ${i} ${randomBytes(24).toString('hex')}` }] }] }));
    const body = `${lines.join('\n')}\n`;
    const file = path.join(tmp, 'train.jsonl');
    fs.writeFileSync(file, body);
    const bucket = storage().bucket('sdk-bucket');
    const [uploaded] = await bucket.upload(file, { destination: 'data/train.jsonl', resumable: true, contentType: 'application/jsonl' });
    assert.equal(uploaded.name, 'data/train.jsonl');

    const [metadata] = await bucket.file('data/train.jsonl').getMetadata();
    assert.equal(Number(metadata.size), Buffer.byteLength(body));
    assert.equal(metadata.md5Hash, createHash('md5').update(body).digest('base64'));
    assert.equal(metadata.contentType, 'application/jsonl');

    const [downloaded] = await bucket.file('data/train.jsonl').download();
    assert.equal(downloaded.toString('utf8'), body);
  });
});
