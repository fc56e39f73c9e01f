import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ApiError, NetworkError } from '../../../src/core/api/errors';
import { VertexClient } from '../../../src/core/vertex/client';
import { examplesToVertexJsonl } from '../../../src/core/vertex/dataset';
import { StorageUploader, type UploadProgress } from '../../../src/core/vertex/storageUpload';
import type { TuningJob } from '../../../src/core/vertex/types';
import { waitFor } from '../../harness/waitFor';
import { type Harness, call, startServer } from '../server/harness';

const TOKEN = 'ya29.local-test-token-123';
const PROJECT = 'my-proj';
const LOCATION = 'us-central1';
const BUCKET = 'tuning-data';
const EXAMPLES = [
  { textInput: 'cat', output: 'chat' },
  { textInput: 'dog', output: 'chien' },
  { textInput: 'thanks', output: 'merci' },
];

/**
 * A TCP relay that can cut the connection once, after a number of bytes from the client. It
 * rewrites its own address to the server's and back, as a reverse proxy would, so that the
 * server's Host check and the session's Location both hold.
 */
class CuttingProxy {
  private server = net.createServer((client) => this.relay(client));
  private cutAfter: number | undefined;
  private seen = 0;
  cuts = 0;
  port = 0;

  constructor(private readonly target: number) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return `http://127.0.0.1:${this.port}`;
  }

  /** Cuts the connection carrying the byte `bytes` from now on. */
  cutOnceAfter(bytes: number): void {
    this.cutAfter = bytes;
    this.seen = 0;
  }

  private relay(client: net.Socket): void {
    const upstream = net.connect(this.target, '127.0.0.1');
    const swap = (data: Buffer, from: string, to: string): Buffer => {
      if (data.indexOf(from) < 0) return data;
      return Buffer.from(data.toString('latin1').split(from).join(to), 'latin1');
    };
    const mine = () => `127.0.0.1:${this.port}`;
    const theirs = `127.0.0.1:${this.target}`;
    client.on('data', (raw: Buffer) => {
      const data = swap(raw, mine(), theirs);
      if (this.cutAfter !== undefined) {
        this.seen += data.length;
        if (this.seen > this.cutAfter) {
          this.cutAfter = undefined;
          this.cuts++;
          client.destroy();
          upstream.destroy();
          return;
        }
      }
      upstream.write(data);
    });
    upstream.on('data', (data: Buffer) => client.write(swap(data, theirs, mine())));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.end());
    upstream.on('close', () => client.destroy());
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('Vertex AI client against the local server', function () {
  this.timeout(120_000);
  let h: Harness;
  let client: VertexClient;
  let uploader: StorageUploader;
  const logs: string[] = [];
  const auth = { authorization: `Bearer ${TOKEN}` };

  before(async () => {
    h = await startServer({ vertexToken: TOKEN, stepDelayMs: 20 });
    const bucket = await call(h.url, 'POST', `/storage/v1/b?project=${PROJECT}`, { name: BUCKET }, auth);
    assert.equal(bucket.status, 200, bucket.text);
    client = new VertexClient({ project: PROJECT, location: LOCATION, baseUrl: h.url, accessToken: async () => TOKEN, log: (l) => logs.push(l) });
    uploader = new StorageUploader({ baseUrl: h.url, accessToken: async () => TOKEN, log: (l) => logs.push(l) });
  });
  after(async () => {
    await client?.close();
    await uploader?.close();
    await h?.close();
  });
  afterEach(() => {
    for (const line of logs) assert.ok(!line.includes(TOKEN), `a log line holds the token: ${line}`);
  });

  async function uploadTraining(object = `sets/${randomBytes(4).toString('hex')}.jsonl`): Promise<string> {
    return (await uploader.upload({ bucket: BUCKET, object, source: { bytes: Buffer.from(examplesToVertexJsonl(EXAMPLES)) } })).gcsUri;
  }

  function waitForJob(name: string, states: string[]): Promise<TuningJob> {
    return waitFor(async () => {
      const job = await client.tuningJobs.get(name);
      return states.includes(job.state ?? '') ? job : undefined;
    }, `${name} to reach ${states.join(' or ')}`, { timeoutMs: 60_000, intervalMs: 25 });
  }

  it('creates a job on an uploaded dataset, follows it to SUCCEEDED, reads its loss and generates from its endpoint', async () => {
    const uri = await uploadTraining();
    const created = await client.tuningJobs.create({
      baseModel: 'gemini-2.5-flash',
      supervisedTuningSpec: { trainingDatasetUri: uri, hyperParameters: { epochCount: 2, learningRateMultiplier: 1, adapterSize: 'ADAPTER_SIZE_FOUR' } },
      tunedModelDisplayName: 'french words',
      labels: { team: 'ml' },
    });
    assert.match(created.name ?? '', /^projects\/\d+\/locations\/us-central1\/tuningJobs\/\d+$/);
    assert.equal(created.state, 'JOB_STATE_PENDING');
    assert.equal(created.supervisedTuningSpec?.hyperParameters?.epochCount, '2');
    const done = await waitForJob(created.name!, ['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED']);
    assert.equal(done.state, 'JOB_STATE_SUCCEEDED', JSON.stringify(done.error));
    const steps = Number(done.tuningDataStats?.supervisedTuningDataStats?.tuningStepCount);
    assert.ok(steps > 0);

    const loss = await client.readLoss(done.experiment!);
    assert.equal(loss.train.length, steps, 'one training loss point per step');
    assert.deepEqual(loss.train.map((p) => p.step), Array.from({ length: steps }, (_, i) => i + 1));
    assert.ok(loss.train.every((p) => Number.isFinite(p.value) && p.wallTime));
    assert.deepEqual(loss.eval, [], 'no validation set, no eval loss');

    const endpoint = done.tunedModel?.endpoint ?? '';
    assert.match(endpoint, /\/endpoints\/\d+$/);
    const request = { contents: [{ role: 'user', parts: [{ text: 'cat' }] }], generationConfig: { temperature: 0, topK: 1 } };
    const whole = await client.generateContent(endpoint, request);
    const wholeText = whole.candidates?.[0]?.content?.parts?.map((p) => p.text ?? '').join('') ?? '';
    assert.ok(wholeText.length > 0, JSON.stringify(whole));
    const chunks = [];
    for await (const chunk of client.streamGenerateContent(endpoint, request)) chunks.push(chunk);
    assert.ok(chunks.length >= 1);
    assert.ok(chunks[chunks.length - 1].candidates?.[0]?.finishReason, 'the last chunk finishes the answer');
    const streamed = chunks.map((c) => c.candidates?.[0]?.content?.parts?.map((p) => p.text ?? '').join('') ?? '').join('');
    assert.equal(streamed, wholeText, 'the stream and the whole answer agree (greedy decoding is deterministic)');
  });

  it('lists every job across pages, and cancels a running one', async () => {
    const uri = await uploadTraining();
    const names = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const job = await client.tuningJobs.create({ baseModel: 'gemini-2.5-flash', supervisedTuningSpec: { trainingDatasetUri: uri, hyperParameters: { epochCount: i === 0 ? 100 : 1 } } });
      names.add(job.name!);
    }
    const [long] = names;
    await client.tuningJobs.cancel(long);
    const cancelled = await waitForJob(long, ['JOB_STATE_CANCELLED', 'JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED']);
    assert.equal(cancelled.state, 'JOB_STATE_CANCELLED');
    assert.equal(cancelled.error?.code, 1);

    let pagesRead = 0;
    const paged = new VertexClient({ project: PROJECT, location: LOCATION, baseUrl: h.url, accessToken: async () => TOKEN, log: (l) => { if (l.includes('tuningJobs?')) pagesRead++; } });
    const listed: string[] = [];
    for await (const job of paged.tuningJobs.listAll({ pageSize: 2 })) listed.push(job.name!);
    await paged.close();
    for (const name of names) assert.ok(listed.includes(name), `${name} is listed`);
    assert.equal(new Set(listed).size, listed.length, 'no job twice');
    assert.equal(pagesRead, Math.ceil(listed.length / 2), 'pages of two until the last');
  });

  it('errors name the call and the resource, and never carry the token', async () => {
    const missing = `projects/${PROJECT}/locations/${LOCATION}/tuningJobs/1234567890123456789`;
    const err = await client.tuningJobs.get(missing).catch((e: unknown) => e);
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.httpStatus, 404);
    assert.equal(err.resource, missing);
    assert.match(err.describe(), /tuningJobs\.get .*1234567890123456789: 404 NOT_FOUND/);
    const unsigned = new VertexClient({ project: PROJECT, location: LOCATION, baseUrl: h.url, accessToken: async () => 'ya29.wrong-token', retry: false });
    const denied = await unsigned.tuningJobs.list().catch((e: unknown) => e);
    await unsigned.close();
    assert.ok(denied instanceof ApiError);
    assert.equal(denied.httpStatus, 401);
    assert.doesNotMatch(`${denied.message} ${denied.stack}`, /wrong-token/);
    assert.throws(() => client.tuningJobs.get('tuningJobs/1'), /projects\/\{project\}\/locations\/\{location\}\/tuningJobs\/\{id\}/);
    assert.throws(() => new VertexClient({ project: 'My Project', location: LOCATION, accessToken: async () => TOKEN }), /geminiTuning\.vertex\.project/);
  });

  describe('Cloud Storage uploads', () => {
    const big = randomBytes(1024 * 1024 + 12345);
    const md5 = createHash('md5').update(big).digest('base64');

    async function download(object: string): Promise<Buffer> {
      const res = await fetch(`${h.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(object)}?alt=media`, { headers: auth });
      assert.equal(res.status, 200);
      return Buffer.from(await res.arrayBuffer());
    }

    it('a small file goes up in one request; a big one resumably in chunks, with progress to the last byte', async () => {
      const small = await uploader.upload({ bucket: BUCKET, object: 'u/small.jsonl', source: { bytes: Buffer.from('{"contents":[]}\n') } });
      assert.equal(small.resumable, false);
      assert.equal(small.gcsUri, `gs://${BUCKET}/u/small.jsonl`);

      const file = path.join(h.dataDir, 'big.jsonl');
      writeFileSync(file, big);
      const progress: UploadProgress[] = [];
      const sessions: string[] = [];
      const up = await uploader.upload({ bucket: BUCKET, object: 'u/big.jsonl', source: { path: file }, resumableThresholdBytes: 0, chunkBytes: 256 * 1024, onProgress: (p) => progress.push(p), onSession: (s) => sessions.push(s) });
      assert.equal(up.resumable, true);
      assert.equal(up.object.size, String(big.length));
      assert.equal(up.object.md5Hash, md5);
      assert.equal(sessions.length, 1);
      assert.ok(progress.length > 10, `${progress.length} progress reports`);
      assert.deepEqual(progress[progress.length - 1], { sentBytes: big.length, totalBytes: big.length });
      for (let i = 1; i < progress.length; i++) assert.ok(progress[i].sentBytes >= progress[i - 1].sentBytes, 'progress never goes back without a cut');
      assert.ok((await download('u/big.jsonl')).equals(big));
    });

    it('a cancelled upload creates no object, and resumes later from the offset the server committed', async () => {
      const controller = new AbortController();
      let session: string | undefined;
      const cancelled = await uploader
        .upload({
          bucket: BUCKET,
          object: 'u/cancelled.jsonl',
          source: { bytes: big },
          resumableThresholdBytes: 0,
          chunkBytes: 256 * 1024,
          signal: controller.signal,
          onSession: (s) => (session = s),
          onProgress: (p) => {
            if (p.sentBytes >= 512 * 1024) controller.abort();
          },
        })
        .catch((e: unknown) => e);
      assert.ok(cancelled instanceof NetworkError && cancelled.kind === 'aborted', String(cancelled));
      assert.doesNotMatch(cancelled.message, /upload_id/, 'the session grants the upload: it stays out of messages');
      const meta = await call(h.url, 'GET', `/storage/v1/b/${BUCKET}/o/u%2Fcancelled.jsonl`, undefined, auth);
      assert.equal(meta.status, 404, 'no object from a partial upload');

      const progress: UploadProgress[] = [];
      const resumed = await uploader.upload({ bucket: BUCKET, object: 'u/cancelled.jsonl', source: { bytes: big }, resumeSession: session, chunkBytes: 256 * 1024, onProgress: (p) => progress.push(p) });
      assert.ok(progress[0].sentBytes >= 256 * 1024, `resumed at byte ${progress[0].sentBytes}, not from the start`);
      assert.equal(resumed.object.md5Hash, md5);
      assert.ok((await download('u/cancelled.jsonl')).equals(big));
    });

    it('a connection cut in the middle of a chunk is resumed from the server\'s committed offset, and the object is whole', async () => {
      const proxy = new CuttingProxy(Number(new URL(h.url).port));
      const base = await proxy.start();
      const through = new StorageUploader({ baseUrl: base, accessToken: async () => TOKEN, log: (l) => logs.push(l) });
      try {
        proxy.cutOnceAfter(700 * 1024);
        const progress: UploadProgress[] = [];
        const up = await through.upload({ bucket: BUCKET, object: 'u/cut.jsonl', source: { bytes: big }, resumableThresholdBytes: 0, chunkBytes: 512 * 1024, onProgress: (p) => progress.push(p) });
        assert.equal(proxy.cuts, 1, 'the connection was cut once');
        assert.equal(up.resumes, 1);
        assert.equal(up.object.md5Hash, md5);
        assert.ok((await download('u/cut.jsonl')).equals(big));
        assert.ok(logs.some((l) => /was cut at byte \d+ .*resuming at byte \d+, where the server stopped/.test(l)), 'the resume is logged, not silent');
        const back = progress.findIndex((p, i) => i > 0 && p.sentBytes < progress[i - 1].sentBytes);
        assert.ok(back > 0, 'progress steps back to what the server kept');
      } finally {
        await through.close();
        await proxy.close();
      }
    });

    it('a bucket that does not exist and a missing token are errors that say so', async () => {
      const err = await uploader.upload({ bucket: 'no-such-bucket', object: 'x.jsonl', source: { bytes: Buffer.from('{}\n') } }).catch((e: unknown) => e);
      assert.ok(err instanceof ApiError, String(err));
      assert.equal(err.httpStatus, 404);
      assert.match(err.message, /no-such-bucket/);
      assert.equal(err.resource, 'gs://no-such-bucket/x.jsonl');
      const anonymous = new StorageUploader({ baseUrl: h.url, accessToken: async () => 'ya29.bad' });
      const denied = await anonymous.upload({ bucket: BUCKET, object: 'x.jsonl', source: { bytes: Buffer.from('{}\n') } }).catch((e: unknown) => e);
      await anonymous.close();
      assert.ok(denied instanceof ApiError && denied.httpStatus === 401, String(denied));
      await assert.rejects(uploader.upload({ bucket: 'Bad Bucket', object: 'x', source: { bytes: Buffer.alloc(1) } }), /stagingBucket/);
    });
  });
});
