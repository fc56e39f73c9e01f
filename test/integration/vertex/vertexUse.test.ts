import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vscode from 'vscode';
import type { GenerateContentRequest } from '../../../src/core/api/types';
import type { ToWebviewMessage } from '../../../src/core/lossChart/protocol';
import { scoreExample } from '../../../src/core/promptNotebook/scoring';
import { checkpointModelName } from '../../../src/core/tuning/model';
import { nextEvent } from '../../../src/core/util/event';
import { VertexClient } from '../../../src/core/vertex/client';
import { examplesToVertexJsonl } from '../../../src/core/vertex/dataset';
import { StorageUploader } from '../../../src/core/vertex/storageUpload';
import type { TuningJob } from '../../../src/core/vertex/types';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import type { EvaluationResult } from '../../../src/extension/promptNotebook/commands/evaluateTunedModel';
import { type CellRunResult, requestForCell } from '../../../src/extension/promptNotebook/execution';
import type { Prompts } from '../../../src/extension/ui/prompts';
import { answerOf, openNotebookFor, runCell, setPrompts } from '../sweep/harness';
import type { RecordingProxy } from '../../harness/recordingProxy';
import { waitFor } from '../../harness/waitFor';
import { activateExtension, resetSettings, setPolling, startRecordingProxy, startTestServer, type TestServer, whenStore } from '../tree/support';

const KEY = 'vertex-use-key-7Qm2Zr9x';
const PROJECT = 'vertex-use-test';
const LOCATION = 'us-central1';
const BUCKET = 'vertex-use-data';
const BASE_MODEL = 'gemini-2.5-flash';
const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const specFixture = path.join(repoRoot, 'test', 'fixtures', 'notebooks', 'capitals.tuning.yaml');

const CAPITALS = ['France', 'Spain', 'Peru', 'Italy', 'Germany', 'Japan', 'Egypt', 'Kenya', 'Chile', 'Canada', 'Norway', 'Greece', 'Poland', 'Cuba', 'Ireland', 'Austria', 'Portugal', 'Sweden', 'Finland', 'Hungary'];
const CITIES = ['Paris', 'Madrid', 'Lima', 'Rome', 'Berlin', 'Tokyo', 'Cairo', 'Nairobi', 'Santiago', 'Ottawa', 'Oslo', 'Athens', 'Warsaw', 'Havana', 'Dublin', 'Vienna', 'Lisbon', 'Stockholm', 'Helsinki', 'Budapest'];
const EXAMPLES = CAPITALS.map((country, i) => ({ textInput: country, output: `The capital of ${country} is ${CITIES[i]}.` }));

function chartMessages(api: GeminiTuningApi, name: string): ToWebviewMessage[] {
  const chart = api.testHooks?.lossChart?.showing(name);
  assert.ok(chart, 'the loss chart fills its test hooks');
  return chart.exchanges.filter((e) => e.direction === 'toWebview').map((e) => e.message as ToWebviewMessage);
}

/** Runs a copied command with only `env` and PATH in its environment; resolves with what it prints. */
function runCopied(command: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
  });
}

/** The text the endpoint itself answers to `request`, without the extension in between. */
async function answerFrom(client: VertexClient, endpoint: string, request: GenerateContentRequest): Promise<string> {
  const response = await client.generateContent(endpoint, request);
  return (response.candidates?.[0]?.content?.parts ?? []).map((p) => p.text ?? '').join('');
}

describe('vertex use: the chart, details, notebook, evaluation and base-model comparison of a Vertex AI job, through the local twin', function () {
  this.timeout(300_000);
  let api: GeminiTuningApi & { extensionPath: string };
  let server: TestServer;
  let proxy: RecordingProxy;
  let client: VertexClient;
  let uploader: StorageUploader;
  let job: TuningJob;
  let failedJob: TuningJob;
  const savedEnv: Record<string, string | undefined> = {};
  const written: vscode.Uri[] = [];
  const config = () => vscode.workspace.getConfiguration('geminiTuning');

  before(async () => {
    api = await activateExtension();
    for (const variable of ['GEMINI_API_KEY', 'GOOGLE_API_KEY']) savedEnv[variable] = process.env[variable];
    delete process.env.GOOGLE_API_KEY;
    process.env.GEMINI_API_KEY = KEY;
    await vscode.commands.executeCommand('geminiTuning.clearApiKey');
    // Slow steps keep the job running long enough to be charted while it trains.
    server = await startTestServer(api.extensionPath, { apiKey: KEY, stepDelayMs: 700 });
    proxy = await startRecordingProxy(server.url);
    client = new VertexClient({ project: PROJECT, location: LOCATION, baseUrl: server.url, accessToken: async () => KEY });
    uploader = new StorageUploader({ baseUrl: server.url, accessToken: async () => KEY });
    const bucket = await fetch(`${server.url}/storage/v1/b?project=${PROJECT}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: BUCKET }),
    });
    assert.equal(bucket.status, 200, await bucket.text());
    const training = await uploader.upload({ bucket: BUCKET, object: 'use/training.jsonl', source: { bytes: Buffer.from(examplesToVertexJsonl(EXAMPLES)) } });
    const validation = await uploader.upload({ bucket: BUCKET, object: 'use/validation.jsonl', source: { bytes: Buffer.from(examplesToVertexJsonl(EXAMPLES.slice(0, 4))) } });

    await setPolling(400);
    await config().update('vertex.project', PROJECT, vscode.ConfigurationTarget.Global);
    await config().update('vertex.location', LOCATION, vscode.ConfigurationTarget.Global);
    await config().update('baseUrl', proxy.url, vscode.ConfigurationTarget.Global);
    await config().update('backend', 'vertex', vscode.ConfigurationTarget.Global);
    while (api.backend.kind !== 'vertex' || api.backend.baseUrl !== proxy.url) await nextEvent(api.backend.onDidChange);

    // Created through the twin's API, as another tool would: 20 examples, 4 epochs of batch 4, 20 steps, validation every 2.
    job = await client.tuningJobs.create({
      baseModel: BASE_MODEL,
      tunedModelDisplayName: 'capitals on vertex',
      supervisedTuningSpec: { trainingDatasetUri: training.gcsUri, validationDatasetUri: validation.gcsUri, hyperParameters: { epochCount: 4 } },
    });
    failedJob = await client.tuningJobs.create({
      baseModel: BASE_MODEL,
      tunedModelDisplayName: 'data that is not there',
      supervisedTuningSpec: { trainingDatasetUri: `gs://${BUCKET}/use/missing.jsonl` },
    });
    await api.store.refresh();
  });

  after(async () => {
    for (const uri of written) await vscode.workspace.fs.delete(uri, { recursive: true }).then(undefined, () => undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await setPolling(undefined);
    await resetSettings();
    for (const key of ['vertex.project', 'vertex.location']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    for (const [variable, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[variable];
      else process.env[variable] = value;
    }
    await client?.close();
    await uploader?.close();
    await proxy?.close();
    await server?.stop();
  });

  it('charts the running job live from its experiment, training and validation loss, and exports both', async () => {
    const name = job.name!;
    await whenStore(api, () => api.store.get(name)?.state === 'creating', 'the job to be listed as creating');
    await vscode.commands.executeCommand('geminiTuning.openLossChart', name);
    const chart = api.testHooks!.lossChart!.showing(name);
    // Live: points reach the open chart while the job is still CREATING.
    await chart.waitForRendered((r) => (r.models[0]?.points ?? 0) >= 1 && (r.models[0]?.evalPoints ?? 0) >= 1, 120_000);
    await whenStore(api, () => api.store.get(name)?.state === 'active', 'the job to succeed', 180_000);
    const experiment = (await client.tuningJobs.get(name)).experiment!;
    const loss = await client.readLoss(experiment);
    assert.equal(loss.train.length, 20, 'the twin recorded every step');
    assert.ok(loss.eval.length >= 5, `the twin evaluated about every other step: ${loss.eval.length}`);
    const final = await chart.waitForRendered((r) => r.models[0]?.points === loss.train.length && r.models[0]?.evalPoints === loss.eval.length, 60_000);
    assert.equal(final.models[0].notice, undefined);
    assert.ok(final.legend?.includes('capitals on vertex (validation)'), `the legend names the validation curve: ${JSON.stringify(final.legend)}`);

    const live = chartMessages(api, name).filter((m): m is Extract<ToWebviewMessage, { type: 'appendPoints' }> => m.type === 'appendPoints' && m.header.state === 'CREATING');
    assert.ok(live.some((m) => m.points.step.length > 0), 'training points were appended while the job ran');
    assert.ok(live.some((m) => (m.evalPoints?.step.length ?? 0) > 0), 'validation points were appended while the job ran');

    const target = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'vertex-use-loss.csv');
    written.push(target);
    const savingTo: Prompts = {
      confirm: () => Promise.reject(new Error('unexpected confirm')),
      input: () => Promise.reject(new Error('unexpected input')),
      pick: () => Promise.reject(new Error('unexpected pick')),
      saveFile: async () => target,
    };
    const scope = api.prompts.use(savingTo);
    try {
      await vscode.commands.executeCommand('geminiTuning.exportLossCsv');
    } finally {
      scope.dispose();
    }
    const rows = new TextDecoder().decode(await vscode.workspace.fs.readFile(target)).trim().split('\r\n');
    assert.equal(rows[0], 'model,display_name,step,epoch,mean_loss,compute_time,eval_loss');
    const evalCells = rows.slice(1).map((r) => r.split(',')[6]).filter((c) => c !== '');
    assert.deepEqual(evalCells.map(Number), loss.eval.map((p) => p.value), 'every validation loss is exported at its step');
    const trainCells = rows.slice(1).map((r) => r.split(',')[4]).filter((c) => c !== '');
    assert.deepEqual(trainCells.map(Number), loss.train.map((p) => p.value));
  });

  it('shows the data statistics of a job in its details, and the error of a failed one', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>('geminiTuning.showModelDetails', job.name);
    const document = await vscode.workspace.openTextDocument(uri);
    const text = document.getText();
    assert.equal(document.languageId, 'jsonc');
    assert.match(text, /^\/\/ capitals on vertex — ACTIVE\n/);
    assert.match(text, /^\/\/ Training data: 20 examples, [\d,]+ billable tokens, [\d,]+ characters, 20 tuning steps$/m);
    assert.match(text, /^\/\/ Input tokens per example: min \d+, .*median [\d.]+, .*max \d+, total [\d,]+$/m);
    assert.match(text, /^\/\/ Output tokens per example: min \d+/m);
    assert.match(text, /^\/\/ Truncated examples: none$/m);
    assert.match(text, /^\/\/ Dropped examples: none$/m);
    const json = JSON.parse(text.split('\n').filter((line) => !line.startsWith('//')).join('\n')) as TuningJob;
    assert.equal(json.name, job.name, 'the job follows as Vertex AI returns it');
    assert.equal(json.tuningDataStats?.supervisedTuningDataStats?.tuningDatasetExampleCount, '20');

    await whenStore(api, () => api.store.get(failedJob.name!)?.state === 'failed', 'the job without data to fail');
    const failedUri = await vscode.commands.executeCommand<vscode.Uri>('geminiTuning.showModelDetails', failedJob.name);
    const failedText = (await vscode.workspace.openTextDocument(failedUri)).getText();
    const error = (await client.tuningJobs.get(failedJob.name!)).error?.message;
    assert.ok(error, 'the twin failed the job with a reason');
    assert.ok(failedText.startsWith(`// data that is not there — FAILED\n// Error: ${error}\n`), failedText.slice(0, 400));
  });

  it('streams from the tuned endpoint and from a checkpoint endpoint in the prompt notebook', async () => {
    const done = await client.tuningJobs.get(job.name!);
    const endpoint = done.tunedModel?.endpoint;
    const checkpoint = done.tunedModel?.checkpoints?.find((c) => c.endpoint && c.endpoint !== endpoint);
    assert.ok(endpoint && checkpoint?.endpoint && checkpoint.checkpointId, `the job kept an earlier checkpoint with its own endpoint: ${JSON.stringify(done.tunedModel)}`);
    const checkpointName = checkpointModelName(job.name!, checkpoint.checkpointId);
    const controllers = api.testHooks!.promptNotebook!.controllers();
    assert.ok(controllers.some((c) => c.model === job.name && c.kind === 'tuned'), 'the tuned model is offered in the kernel picker');
    const offered = controllers.find((c) => c.model === checkpointName);
    assert.equal(offered?.kind, 'tuned', `each earlier checkpoint is offered too: ${JSON.stringify(controllers.map((c) => c.model))}`);
    assert.match(offered.label, new RegExp(`capitals on vertex — checkpoint ${checkpoint.checkpointId} \\(epoch \\d+, step \\d+\\)`));
    assert.ok(controllers.some((c) => c.model === BASE_MODEL && c.kind === 'base'), 'the base model the jobs were tuned from is offered');
    const configured = config().get<string[]>('vertex.baseModels')!;
    const unused = configured.find((m) => m !== BASE_MODEL)!;
    assert.equal(controllers.find((c) => c.model === unused)?.kind, 'base', `each configured base model is offered, ${unused} too: ${JSON.stringify(controllers.map((c) => c.model))}`);
    await config().update('vertex.baseModels', [...configured, 'gemini-added-in-settings'], vscode.ConfigurationTarget.Global);
    try {
      await waitFor(() => api.testHooks!.promptNotebook!.controllers().some((c) => c.model === 'gemini-added-in-settings' && c.kind === 'base'), 'a base model added to geminiTuning.vertex.baseModels to be offered');
    } finally {
      await config().update('vertex.baseModels', undefined, vscode.ConfigurationTarget.Global);
    }

    for (const [model, served] of [[job.name!, endpoint], [checkpointName, checkpoint.endpoint]] as const) {
      const notebook = await openNotebookFor(model);
      const [cell] = await setPrompts(notebook, ['Peru'], { generationConfig: { temperature: 0 } });
      const before = proxy.requests.length;
      await runCell(cell);
      const answer = answerOf(cell);
      assert.ok(answer && answer.text.length > 0, `${model}: an answer streamed in`);
      assert.equal(answer.meta.interrupted, undefined);
      const sent = proxy.requests.slice(before).filter((r) => r.url.includes(':streamGenerateContent'));
      assert.deepEqual(sent.map((r) => new URL(r.url, proxy.url).pathname), [`/v1/${served}:streamGenerateContent`], `${model} streams from ${served}`);
      assert.match(sent[0].headers.authorization ?? '', /^Bearer /, 'the token travels in the Authorization header');
      assert.ok(!sent[0].url.includes(KEY), 'never in the URL');
      const request = api.testHooks!.promptNotebook!.lastRequest(cell)!;
      assert.equal(answer.text, await answerFrom(client, served, request), `${model}: the answer is the one its endpoint gives`);
    }
  });

  it('copies the tuned endpoint as curl and as TypeScript, and both answer as copied, signed in with $GEMINI_API_KEY', async () => {
    const endpoint = (await client.tuningJobs.get(job.name!)).tunedModel!.endpoint!;
    await vscode.commands.executeCommand('geminiTuning.copyModelAsCurl', job.name);
    const curl = await vscode.env.clipboard.readText();
    assert.ok(curl.startsWith(`curl -sS -X POST '${proxy.url}/v1/${endpoint}:generateContent'`), curl);
    assert.ok(curl.includes(`-H "Authorization: Bearer $GEMINI_API_KEY"`), `the twin takes the local server's key, from the environment: ${curl}`);
    assert.ok(!curl.includes(KEY) && !curl.includes('gcloud'), curl);
    const answered = JSON.parse(await runCopied('sh', ['-c', curl], { GEMINI_API_KEY: KEY })) as { candidates?: Array<{ content?: { parts?: Array<{ text?: string }> } }> };
    assert.match(answered.candidates?.[0]?.content?.parts?.[0]?.text ?? '', /\S/, JSON.stringify(answered));
    const refused = JSON.parse(await runCopied('sh', ['-c', curl], { GEMINI_API_KEY: 'wrong' })) as { error?: { status?: string } };
    assert.equal(refused.error?.status, 'UNAUTHENTICATED', 'the key in the header is what lets it in');

    await vscode.commands.executeCommand('geminiTuning.copyModelAsTypeScript', job.name);
    const ts = await vscode.env.clipboard.readText();
    assert.ok(ts.includes(`model: ${JSON.stringify(endpoint)}`) && ts.includes(`baseUrl: "${proxy.url}"`), ts);
    assert.ok(!ts.includes(KEY), ts);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vertex-snippet-'));
    try {
      const file = path.join(dir, 'snippet.mjs');
      const moduleUrl = (name: string, file = require.resolve(name, { paths: [repoRoot] })) => JSON.stringify(pathToFileURL(file).href);
      const genai = require.resolve('genai-current', { paths: [repoRoot] }).replace(/index\.cjs$/, 'index.mjs');
      fs.writeFileSync(file, ts.replace(`from '@google/genai'`, `from ${moduleUrl('genai-current', genai)}`).replace(`from 'google-auth-library'`, `from ${moduleUrl('google-auth-library')}`));
      const printed = await runCopied(process.execPath, [file], { GEMINI_API_KEY: KEY, HOME: dir, METADATA_SERVER_DETECTION: 'none' });
      assert.match(printed, /\S/, 'the SDK printed the answer');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('evaluates the tuned model on the validation examples of a spec, with scores of the endpoint’s answers', async () => {
    const specUri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'vertex-use', 'capitals.tuning.yaml');
    written.push(vscode.Uri.joinPath(specUri, '..'));
    await vscode.workspace.fs.writeFile(specUri, fs.readFileSync(specFixture));
    const result = await vscode.commands.executeCommand<EvaluationResult>('geminiTuning.evaluateTunedModel', specUri, job.name);
    assert.ok(result, 'the evaluation ran');
    assert.equal(result.model, job.name);
    assert.equal(result.perCell.length, 3);
    const notebook = vscode.workspace.notebookDocuments.find((n) => !n.isClosed && n.uri.toString() === result.notebook.toString())!;
    const cells = notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code);
    const endpoint = (await client.tuningJobs.get(job.name!)).tunedModel!.endpoint!;
    for (const [i, cell] of cells.entries()) {
      const expected = cell.metadata.evaluation.expected as string;
      const direct = await answerFrom(client, endpoint, api.testHooks!.promptNotebook!.lastRequest(cell)!);
      assert.deepEqual(result.perCell[i].score, scoreExample(direct, expected), `cell ${i + 1} scores the endpoint's answer ${JSON.stringify(direct)} against ${JSON.stringify(expected)}`);
    }
    assert.equal(result.overall.count, 3);
    assert.match(notebook.cellAt(notebook.cellCount - 1).document.getText(), /Exact match \d\/3/);
  });

  it('runs a prompt against the tuned model and its base model on Vertex AI, side by side', async () => {
    const notebook = await openNotebookFor(job.name!);
    const [cell] = await setPrompts(notebook, ['Chile'], { generationConfig: { temperature: 0 } });
    const before = proxy.requests.length;
    const compared = await vscode.commands.executeCommand<CellRunResult>('geminiTuning.notebook.runAgainstBaseModel', cell);
    assert.ok(compared?.ok, `the comparison ran: ${JSON.stringify(compared)}`);
    const output = await (async () => {
      for (;;) {
        const found = cell.outputs.find((o) => o.metadata?.role === 'comparison');
        if (found) return found;
        await nextEvent(vscode.workspace.onDidChangeNotebookDocument);
      }
    })();
    const meta = output.metadata as { tunedModel: string; baseModel: string; tunedText: string; baseText: string; tunedComplete: boolean; baseComplete: boolean };
    assert.equal(meta.tunedModel, job.name);
    assert.equal(meta.baseModel, BASE_MODEL);
    assert.ok(meta.tunedComplete && meta.baseComplete, 'both answers completed');
    const paths = proxy.requests.slice(before).filter((r) => r.url.includes(':streamGenerateContent')).map((r) => new URL(r.url, proxy.url).pathname).sort();
    const endpoint = (await client.tuningJobs.get(job.name!)).tunedModel!.endpoint!;
    const publisher = `projects/${PROJECT}/locations/${LOCATION}/publishers/google/models/${BASE_MODEL}`;
    assert.deepEqual(paths, [`/v1/${endpoint}:streamGenerateContent`, `/v1/${publisher}:streamGenerateContent`].sort());
    const asked = requestForCell(cell);
    const request: GenerateContentRequest = { ...asked, generationConfig: { ...asked.generationConfig, candidateCount: 1 } };
    assert.equal(meta.baseText, await answerFrom(client, publisher, request), 'the base side is the publisher model’s answer');
  });
});
