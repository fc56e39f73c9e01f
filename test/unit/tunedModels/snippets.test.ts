import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GeminiClient } from '../../../src/core/api/client';
import { type TunedModel } from '../../../src/core/api/types';
import { fromGeminiTunedModel } from '../../../src/core/tuning/geminiApi';
import { type TunedModelInfo } from '../../../src/core/tuning/model';
import { type LocalServer, startLocalServer } from '../../../src/server/localServer';
import { curlSnippet, shellQuote, tuneAgainSpec, typeScriptSnippet } from '../../../src/core/tunedModels/snippets';
import { parse } from 'yaml';

const model = fromGeminiTunedModel({
  name: 'tunedModels/emoji-namer-abc12',
  displayName: "Bob's model",
  description: 'Names "emoji"',
  state: 'ACTIVE',
  temperature: 0.5,
  tuningTask: { hyperparameters: { epochCount: 7, batchSize: 4, learningRate: 0.001 } },
});

describe('snippets', () => {
  it('quotes for a POSIX shell', () => {
    const out = execFileSync('sh', ['-c', `printf %s ${shellQuote("it's $HOME `x`")}`], { encoding: 'utf8' });
    assert.equal(out, "it's $HOME `x`");
  });

  it('builds a curl command that takes the key from $GEMINI_API_KEY', () => {
    const curl = curlSnippet(model, 'https://generativelanguage.googleapis.com/', { withKey: true });
    assert.equal(
      curl,
      [
        `curl -sS -X POST 'https://generativelanguage.googleapis.com/v1beta/tunedModels/emoji-namer-abc12:generateContent'`,
        `  -H 'Content-Type: application/json'`,
        `  -H "x-goog-api-key: $GEMINI_API_KEY"`,
        `  -d '{"contents":[{"role":"user","parts":[{"text":"Hello"}]}]}'`,
      ].join(' \\\n'),
    );
  });

  it('leaves the key header out for a backend without keys', () => {
    const curl = curlSnippet(model, 'http://127.0.0.1:4000', { withKey: false });
    assert.ok(!curl.includes('x-goog-api-key'));
    assert.ok(curl.includes(`'http://127.0.0.1:4000/v1beta/tunedModels/emoji-namer-abc12:generateContent'`));
  });

  it('builds an @google/genai snippet, with the base URL only when it is not the default', () => {
    const remote = typeScriptSnippet(model, 'https://generativelanguage.googleapis.com', { defaultBaseUrl: true, withKey: true });
    assert.ok(remote.includes(`import { GoogleGenAI } from '@google/genai';`));
    assert.ok(remote.includes('apiKey: process.env.GEMINI_API_KEY,'));
    assert.ok(remote.includes('model: "tunedModels/emoji-namer-abc12"'));
    assert.ok(!remote.includes('httpOptions'));
    const local = typeScriptSnippet(model, 'http://127.0.0.1:4000/', { defaultBaseUrl: false, withKey: false });
    assert.ok(local.includes(`httpOptions: { baseUrl: "http://127.0.0.1:4000" }`));
    assert.ok(!local.includes('process.env'), 'the local server needs no key');
  });

  it('writes a tune-again spec that names the source model and keeps the hyperparameters', () => {
    const spec = parse(tuneAgainSpec(model));
    assert.deepEqual(spec.tunedModelSource, { tunedModel: 'tunedModels/emoji-namer-abc12' });
    assert.equal(spec.baseModel, undefined);
    assert.equal(spec.displayName, "Bob's model (again)");
    assert.equal(spec.description, 'Names "emoji"');
    assert.deepEqual(spec.hyperparameters, { epochCount: 7, batchSize: 4, learningRate: 0.001 });
    assert.equal(spec.temperature, 0.5);
    assert.equal(spec.examples.length, 1);
  });

  it('keeps the tune-again display name within 40 characters', () => {
    const spec = parse(tuneAgainSpec({ ...model, displayName: 'x'.repeat(40) }));
    assert.equal(spec.displayName.length, 40);
  });

  describe('run as copied, against the local tuning server', function () {
    this.timeout(120_000);
    const KEY = 'snippet-key-7Hq2';
    let keyed: LocalServer;
    let open: LocalServer;
    let keyedModel: TunedModelInfo;
    let openModel: TunedModelInfo;
    const dataDirs: string[] = [];

    before(async () => {
      const workerScript = path.resolve('dist/trainer-worker.js');
      dataDirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'gt-snippets-')), fs.mkdtempSync(path.join(os.tmpdir(), 'gt-snippets-')));
      keyed = await startLocalServer({ dataDir: dataDirs[0], apiKey: KEY, workerScript, stepDelayMs: 0 });
      open = await startLocalServer({ dataDir: dataDirs[1], workerScript, stepDelayMs: 0 });
      [keyedModel, openModel] = (await Promise.all([trainTinyModel(keyed.url, KEY), trainTinyModel(open.url)])).map((m) => fromGeminiTunedModel(m));
    });

    after(async () => {
      await keyed?.close();
      await open?.close();
      for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('curl with $GEMINI_API_KEY from the environment gets an answer; without it, the API says no', async () => {
      const command = curlSnippet(keyedModel, keyed.url, { withKey: true });
      const answer = JSON.parse(await sh(command, { GEMINI_API_KEY: KEY })) as { candidates?: Array<{ content?: { parts?: Array<{ text?: string }> } }> };
      assert.equal(typeof answer.candidates?.[0]?.content?.parts?.[0]?.text, 'string', JSON.stringify(answer));
      const refused = JSON.parse(await sh(command, {})) as { error?: { status?: string } };
      assert.equal(refused.error?.status, 'PERMISSION_DENIED', JSON.stringify(refused));
    });

    it('curl for the local backend needs no key', async () => {
      const answer = JSON.parse(await sh(curlSnippet(openModel, open.url, { withKey: false }), {})) as { candidates?: unknown[] };
      assert.equal(answer.candidates?.length, 1, JSON.stringify(answer));
    });

    it('the TypeScript snippet runs with @google/genai and prints the answer, with a key and on the local backend without one', async () => {
      // The answer is sampled, so only its presence is certain.
      const viaGemini = await runSnippet(typeScriptSnippet(keyedModel, keyed.url, { defaultBaseUrl: false, withKey: true }), { GEMINI_API_KEY: KEY });
      assert.match(viaGemini, /\S/);
      await assert.rejects(runSnippet(typeScriptSnippet(keyedModel, keyed.url, { defaultBaseUrl: false, withKey: true }), { GEMINI_API_KEY: 'wrong' }), /API key not valid/);
      const viaLocal = await runSnippet(typeScriptSnippet(openModel, open.url, { defaultBaseUrl: false, withKey: false }), {});
      assert.match(viaLocal, /\S/);
    });
  });
});

/** Trains a model in a second or two: a few examples, one epoch. */
async function trainTinyModel(baseUrl: string, apiKey?: string): Promise<TunedModel> {
  const client = new GeminiClient({ baseUrl, apiKey, retry: false });
  const examples = Array.from({ length: 6 }, (_, i) => ({ textInput: `${i} + 1`, output: `${i + 1}` }));
  const op = await client.tunedModels.create({
    displayName: 'snippet target',
    baseModel: 'models/gemini-1.5-flash-001-tuning',
    tuningTask: { trainingData: { examples: { examples } }, hyperparameters: { epochCount: 1, batchSize: 2 } },
  });
  const done = await client.waitForOperation(op, { initialDelayMs: 100, multiplier: 1, maxDelayMs: 200 });
  assert.equal(done.error, undefined, JSON.stringify(done.error));
  const model = await client.tunedModels.get(op.metadata!.tunedModel!);
  assert.equal(model.state, 'ACTIVE');
  return model;
}

/** Runs a copied shell command with only `env` (and PATH) in its environment; resolves with stdout. */
function sh(command: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', command], { env: { PATH: process.env.PATH, ...env } }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** Runs a copied TypeScript snippet (plain ESM: it needs no type stripping) with @google/genai; resolves with what it prints. */
async function runSnippet(snippet: string, env: Record<string, string>): Promise<string> {
  const sdk = pathToFileURL(require.resolve('genai-current').replace(/index\.cjs$/, 'index.mjs')).href;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-snippet-run-'));
  const file = path.join(dir, 'snippet.mjs');
  fs.writeFileSync(file, snippet.replace(`from '@google/genai'`, `from ${JSON.stringify(sdk)}`));
  try {
    return await new Promise((resolve, reject) => {
      execFile(process.execPath, [file], { env: { PATH: process.env.PATH, HOME: dir, ...env } }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.replace(/\n$/, '')),
      );
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
