// Prompt notebook against the local tuning server, in a real extension host.
// The fault-injection cases need the server started with faults enabled: run with
// GEMINI_TUNING_FAULTS=1 (the launcher passes GEMINI_TUNING_* variables to the host and the server).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { parse } from 'yaml';
import type { GeminiClient } from '../../../src/core/api/client';
import type { EvaluationResult } from '../../../src/extension/promptNotebook/commands/evaluateTunedModel';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import type { PromptNotebookTestHooks } from '../../../src/extension/testHooks';
import type { AnswerOutputMetadata, NoticeOutputMetadata } from '../../../src/core/promptNotebook/outputMetadata';
import { buildPromptRequest } from '../../../src/core/promptNotebook/generateRequest';
import { PROMPT_LANGUAGE } from '../../../src/core/promptNotebook/tunebookFormat';
import { startRecordingProxy } from '../../harness/recordingProxy';
import { waitFor } from '../../harness/waitFor';
import { setPrompts } from '../sweep/harness';
import { startTestServer } from '../tree/support';

const EXTENSION_ID = 'gemini-tuning.gemini-tuning';
const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const specFixture = path.join(repoRoot, 'test', 'fixtures', 'notebooks', 'capitals.tuning.yaml');

interface Spec {
  displayName: string;
  baseModel: string;
  hyperparameters: { epochCount: number; batchSize: number; learningRate: number };
  examples: { textInput: string; output: string }[];
}

const spec = parse(fs.readFileSync(specFixture, 'utf8')) as Spec;
const trained = (input: string): string => spec.examples.find((e) => e.textInput === input)!.output;

let api: GeminiTuningApi;
let hooks: PromptNotebookTestHooks;
let client: GeminiClient;
let model: string;

async function setFaults(rules: object[]): Promise<void> {
  const base = api.backend.baseUrl!;
  await fetch(`${base}/_faults`, { method: 'DELETE' });
  if (rules.length === 0) return;
  const res = await fetch(`${base}/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules }) });
  assert.equal(res.status, 200, `fault injection is off on the local server (HTTP ${res.status}): run the integration tests with GEMINI_TUNING_FAULTS=1`);
}

/**
 * Sends the local backend's requests to the server at `url`, as the baseUrl setting does (the
 * extension then stops its own server); with undefined, back to a server the extension runs.
 */
async function useLocalServerAt(url: string | undefined): Promise<void> {
  const before = api.backend.baseUrl;
  await vscode.workspace.getConfiguration('geminiTuning').update('baseUrl', url, vscode.ConfigurationTarget.Global);
  await waitFor(() => (url ? api.backend.baseUrl === url : api.backend.baseUrl !== undefined && api.backend.baseUrl !== before), `the local backend at ${url ?? 'its own server'}`, {
    timeoutMs: 60_000,
  });
  await api.store.refresh();
}

/** Trains the capitals spec on the current backend; returns the tuned model's name. */
async function trainCapitals(on: GeminiClient): Promise<string> {
  const op = await on.tunedModels.create({
    displayName: 'notebook capitals',
    baseModel: spec.baseModel,
    tuningTask: { hyperparameters: spec.hyperparameters, trainingData: { examples: { examples: spec.examples } } },
  });
  const done = await on.waitForOperation(op, { initialDelayMs: 200, maxDelayMs: 1000 });
  assert.equal(done.error, undefined, JSON.stringify(done.error));
  return (done.response as { name?: string } | undefined)?.name ?? op.metadata!.tunedModel!;
}

function decode(item: vscode.NotebookCellOutputItem): string {
  return new TextDecoder().decode(item.data);
}

function answerOf(cell: vscode.NotebookCell, candidate = 0): { text: string; meta: AnswerOutputMetadata } | undefined {
  const output = cell.outputs.find((o) => (o.metadata as AnswerOutputMetadata | undefined)?.role === 'answer' && o.metadata?.candidateIndex === candidate);
  return output && { text: output.items.map(decode).join(''), meta: output.metadata as AnswerOutputMetadata };
}

function describeOutputs(cell: vscode.NotebookCell): string {
  return JSON.stringify(cell.outputs.map((o) => ({ metadata: o.metadata, items: o.items.map((i) => `${i.mime}: ${decode(i).slice(0, 80)}`) })));
}

function errorsOf(cell: vscode.NotebookCell): { name: string; message: string }[] {
  return cell.outputs.flatMap((o) => o.items.filter((i) => i.mime === 'application/vnd.code.notebook.error').map((i) => JSON.parse(decode(i)) as { name: string; message: string }));
}

function noticesOf(cell: vscode.NotebookCell, kind: NoticeOutputMetadata['kind']): string[] {
  return cell.outputs.filter((o) => o.metadata?.role === 'notice' && o.metadata?.kind === kind).map((o) => o.items.map(decode).join(''));
}

/** Resolves once the cell's execution has ended after `before` (an executionOrder seen earlier). */
function cellRunEnded(cell: vscode.NotebookCell, before: number | undefined, timeoutMs = 60_000): Promise<void> {
  const done = (): boolean => {
    const s = cell.executionSummary;
    return s !== undefined && s.executionOrder !== before && s.success !== undefined && s.timing?.endTime !== undefined;
  };
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`cell ${cell.index} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = vscode.workspace.onDidChangeNotebookDocument((e) => {
      if (e.notebook === cell.notebook && done()) {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  });
}

function firstStreamedText(cell: vscode.NotebookCell, timeoutMs = 120_000): Promise<void> {
  const has = (): boolean => cell.outputs.some((o) => o.items.some((i) => i.mime === 'application/vnd.code.notebook.stdout' && i.data.byteLength > 0));
  if (has()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error('no streamed text arrived'));
    }, timeoutMs);
    const sub = vscode.workspace.onDidChangeNotebookDocument(() => {
      if (has()) {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  });
}

async function openNotebookFor(modelName: string): Promise<vscode.NotebookDocument> {
  const uri = await vscode.commands.executeCommand<vscode.Uri>('geminiTuning.openInNotebook', modelName);
  assert.ok(uri, 'Open in Prompt Notebook returned the new notebook');
  const notebook = vscode.workspace.notebookDocuments.find((n) => !n.isClosed && n.uri.toString() === uri.toString());
  assert.ok(notebook);
  assert.equal(notebook.metadata.model, modelName, 'the notebook remembers its model');
  return notebook;
}

/** Resolves when the extension has finished the cell's `count`-th run (outputs written, execution ended). */
async function runFinished(cell: vscode.NotebookCell, count: number): Promise<void> {
  await hooks.waitForRuns(cell, count, 240_000);
  await cellRunEnded(cell, undefined);
  await finalOutputs(cell);
}

/** The final outputs reach this side of the host after the run: an answer with stats, or a notice. */
function finalOutputs(cell: vscode.NotebookCell, timeoutMs = 60_000): Promise<void> {
  // The host may deliver the new outputs before the answer's final metadata, so an answer must carry its stats.
  const settled = (): boolean => {
    const answer = cell.outputs.find((o) => o.metadata?.role === 'answer' && o.metadata?.candidateIndex === 0);
    if (answer) return answer.metadata?.stats !== undefined;
    return cell.outputs.some((o) => o.metadata?.role === 'notice' || o.metadata?.role === 'comparison');
  };
  if (settled()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`the final outputs of cell ${cell.index} did not arrive`));
    }, timeoutMs);
    const sub = vscode.workspace.onDidChangeNotebookDocument((e) => {
      if (e.notebook === cell.notebook && settled()) {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  });
}

async function runCell(cell: vscode.NotebookCell): Promise<void> {
  const runs = hooks.finishedRuns(cell);
  await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: cell.index, end: cell.index + 1 }], document: cell.notebook.uri });
  await runFinished(cell, runs + 1);
}

describe('prompt notebook', function () {
  // Generous: the local server shares two cores with everything else; the timings that matter are measured inside.
  this.timeout(300_000);

  before(async () => {
    const extension = vscode.extensions.getExtension<GeminiTuningApi>(EXTENSION_ID);
    assert.ok(extension);
    api = await extension.activate();
    assert.ok(api.testHooks?.promptNotebook, 'the prompt notebook fills its test hooks in test mode');
    hooks = api.testHooks.promptNotebook;
    client = await api.backend.getClient();
    const op = await client.tunedModels.create({
      displayName: 'notebook capitals',
      baseModel: spec.baseModel,
      tuningTask: { hyperparameters: spec.hyperparameters, trainingData: { examples: { examples: spec.examples } } },
    });
    const done = await client.waitForOperation(op, { initialDelayMs: 200, maxDelayMs: 1000 });
    model = (done.response as { name?: string } | undefined)?.name ?? op.metadata!.tunedModel!;
    assert.equal((await client.tunedModels.get(model)).state, 'ACTIVE');
    await api.store.refresh();
  });

  // Notebooks stay open between tests on purpose: a closed untitled notebook's name (Untitled-1)
  // is given to the next one, and cell URIs would repeat.

  after(async () => {
    if (api?.backend.baseUrl) await fetch(`${api.backend.baseUrl}/_faults`, { method: 'DELETE' }).catch(() => undefined);
  });

  it('offers a labelled controller per ACTIVE tuned model and per base model', async () => {
    const controllers = hooks.controllers();
    const tuned = controllers.find((c) => c.model === model);
    assert.ok(tuned, `a controller for ${model}`);
    assert.equal(tuned.kind, 'tuned');
    assert.match(tuned.label, /notebook capitals — tuned/);
    const base = controllers.find((c) => c.model === spec.baseModel);
    assert.ok(base, 'a controller for the base model');
    assert.match(base.label, /base model/);
  });

  it('streams exactly the trained output for a training input at temperature 0', async () => {
    const notebook = await openNotebookFor(model);
    const [cell] = await setPrompts(notebook, ['France'], { generationConfig: { temperature: 0 } });
    await runCell(cell);
    const answer = answerOf(cell);
    assert.ok(answer, 'an answer output');
    assert.equal(answer.text, trained('France'));
    assert.equal(answer.meta.finishReason, 'STOP');
    assert.equal(cell.executionSummary?.success, true);
    assert.ok((cell.executionSummary?.executionOrder ?? 0) >= 1, 'executionOrder is set');
    const timing = cell.executionSummary?.timing;
    assert.ok(timing && timing.endTime >= timing.startTime, 'start and end times are set');
    const stats = answer.meta.stats!;
    assert.ok(stats.usage?.candidatesTokenCount, 'usage metadata kept for the status bar');
    assert.ok(stats.timeToFirstTokenMs !== undefined && stats.timeToFirstTokenMs <= stats.totalMs);
    assert.ok(stats.updates >= 1);
    assert.deepEqual(errorsOf(cell), []);
  });

  it('in chat mode sends earlier prompts and answers as history, in order', async () => {
    const notebook = await openNotebookFor(model);
    const cells = await setPrompts(notebook, ['Spain', 'Peru', 'Italy'], { chat: true, generationConfig: { temperature: 0 } });
    await vscode.commands.executeCommand('notebook.execute', notebook.uri);
    for (const cell of cells) await runFinished(cell, 1);
    for (const [i, input] of ['Spain', 'Peru', 'Italy'].entries()) assert.equal(answerOf(cells[i])?.text, trained(input), `answer ${i + 1}`);

    const sent = hooks.lastRequest(cells[2]);
    assert.ok(sent, 'the third cell sent a request');
    assert.deepEqual(sent.contents, [
      { role: 'user', parts: [{ text: 'Spain' }] },
      { role: 'model', parts: [{ text: trained('Spain') }] },
      { role: 'user', parts: [{ text: 'Peru' }] },
      { role: 'model', parts: [{ text: trained('Peru') }] },
      { role: 'user', parts: [{ text: 'Italy' }] },
    ]);
    const expected = buildPromptRequest({
      prompt: 'Italy',
      notebook: { chat: true, generationConfig: { temperature: 0 } },
      earlier: [
        { prompt: 'Spain', answer: trained('Spain') },
        { prompt: 'Peru', answer: trained('Peru') },
      ],
    });
    assert.deepEqual(sent, expected);
    // The server accepted the multi-turn request (it validates every turn's role and parts) and
    // answered the last user turn.
    let serverText = '';
    for await (const chunk of client.streamGenerateContent(model, sent)) serverText += chunk.candidates?.[0]?.content?.parts?.map((p) => ('text' in p ? p.text : '')).join('') ?? '';
    assert.equal(serverText, trained('Italy'));

    const single = hooks.lastRequest(cells[0]);
    assert.deepEqual(single?.contents, [{ role: 'user', parts: [{ text: 'Spain' }] }], 'the first cell has no history');
  });

  it('cancel mid-stream stops the HTTP stream within 250 ms and keeps the partial output, marked cancelled', async () => {
    // The stream goes to a server of the test's own through a proxy that notes when the extension
    // hangs up: the time from the cancel to the closed connection is measured outside the extension.
    const server = await startTestServer(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath);
    const proxy = await startRecordingProxy(server.url);
    await useLocalServerAt(proxy.url);
    try {
      const proxied = await trainCapitals(await api.backend.getClient());
      await api.store.refresh();
      await setFaults([{ match: ':streamGenerateContent', action: 'slowStream', chunkDelayMs: 1000 }]);
      const notebook = await openNotebookFor(proxied);
      const [cell] = await setPrompts(notebook, ['Germany'], { generationConfig: { temperature: 0 } });
      const running = vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: cell.index, end: cell.index + 1 }], document: notebook.uri });
      await firstStreamedText(cell);
      const stream = proxy.requests.find((r) => r.url.includes(':streamGenerateContent'));
      assert.ok(stream, `the answer streamed through the proxy: ${JSON.stringify(proxy.requests.map((r) => r.url))}`);
      const cancelledAt = performance.now();
      await vscode.commands.executeCommand('notebook.cell.cancelExecution', { ranges: [{ start: cell.index, end: cell.index + 1 }], document: notebook.uri });
      const commandMs = Math.round(performance.now() - cancelledAt);
      const { closedAt, responseComplete } = await proxy.closed(stream);
      const latencyMs = Math.round(closedAt - cancelledAt);
      await runFinished(cell, 1);
      await running;
      const answer = answerOf(cell);
      console.log(`      the HTTP stream closed ${latencyMs} ms after the cancel command (command returned after ${commandMs} ms; the extension reports ${answer?.meta.stats?.cancelLatencyMs} ms)`);
      assert.equal(responseComplete, false, 'the extension hung up before the stream ended');
      assert.ok(
        latencyMs <= 250,
        `the HTTP stream closed ${latencyMs} ms after the cancel command (the command returned after ${commandMs} ms; the extension counts ${answer?.meta.stats?.cancelLatencyMs} ms from its cancellation)`,
      );
      assert.ok(answer, 'the partial answer stays');
      assert.ok(answer.text.length > 0 && answer.text.length < trained('Germany').length, `partial text: ${JSON.stringify(answer.text)}`);
      assert.ok(trained('Germany').startsWith(answer.text));
      assert.equal(answer.meta.cancelled, true, `outputs: ${describeOutputs(cell)}`);
      assert.equal(noticesOf(cell, 'cancelled').length, 1);
      assert.match(noticesOf(cell, 'cancelled')[0], /Cancelled/);
      assert.equal(cell.executionSummary?.success, false);
    } finally {
      await useLocalServerAt(undefined);
      await proxy.close();
      await server.stop();
    }
  });

  it('a cut stream keeps the text so far and says it was interrupted', async () => {
    await setFaults([{ match: ':streamGenerateContent', action: 'cutStream', afterChunks: 2 }]);
    const notebook = await openNotebookFor(model);
    const [cell] = await setPrompts(notebook, ['Japan'], { generationConfig: { temperature: 0 } });
    await runCell(cell);
    const answer = answerOf(cell);
    assert.ok(answer, 'the partial answer stays');
    assert.ok(answer.text.length > 0 && trained('Japan').startsWith(answer.text) && answer.text !== trained('Japan'), `partial text: ${JSON.stringify(answer.text)}`);
    assert.equal(answer.meta.interrupted, true, `outputs: ${describeOutputs(cell)}`);
    const errors = errorsOf(cell);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].name, 'Stream interrupted');
    assert.match(errors[0].message, /interrupted before it finished/);
    assert.equal(cell.executionSummary?.success, false);
  });

  it("a model that does not exist shows the API's message and status", async () => {
    await setFaults([]);
    const missing = 'tunedModels/no-such-model-404';
    const notebook = await openNotebookFor(missing);
    const [cell] = await setPrompts(notebook, ['France']);
    await runCell(cell);
    const errors = errorsOf(cell);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].name, 'API error 404 NOT_FOUND');
    assert.match(errors[0].message, /tunedModels\/no-such-model-404/);
    assert.equal(cell.executionSummary?.success, false);
  });

  it('Run All stops at the first failure', async () => {
    await setFaults([{ match: ':streamGenerateContent', action: 'status', status: 503, count: 5 }]);
    const notebook = await openNotebookFor(model);
    const cells = await setPrompts(notebook, ['Egypt', 'Kenya'], { generationConfig: { temperature: 0 } });
    await vscode.commands.executeCommand('notebook.execute', notebook.uri);
    await runFinished(cells[0], 1);
    await setFaults([]);
    assert.equal(hooks.finishedRuns(cells[1]), 0, 'the second cell never ran');
    assert.equal(cells[0].executionSummary?.success, false);
    assert.match(errorsOf(cells[0])[0]?.name ?? '', /503/);
    assert.equal(cells[1].executionSummary?.executionOrder, undefined, 'the second cell never ran');
    assert.equal(cells[1].outputs.length, 0);
  });

  it('evaluates a tuned model on a spec’s validation examples with the right scores', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const specUri = vscode.Uri.joinPath(folder, 'notebook-eval', 'capitals.tuning.yaml');
    await vscode.workspace.fs.writeFile(specUri, fs.readFileSync(specFixture));
    const result = await vscode.commands.executeCommand<EvaluationResult>('geminiTuning.evaluateTunedModel', specUri, model);
    assert.ok(result, 'the evaluation ran');
    assert.equal(result.perCell.length, 3);
    // France: the trained answer exactly. Spain: 31 characters, the last differs ("." vs "!"):
    // equal once punctuation is dropped, so exact and token F1 1; edit similarity 1 − 1/31.
    // Peru: "The capital of Peru is Lima." vs "Lima": tokens "capital of peru is lima" vs "lima",
    // P = 1/5, R = 1 → token F1 1/3; "Lima" is inside the 28 characters, 24 deletions → 4/28.
    const near = (actual: number | undefined, expected: number, what: string): void => assert.ok(Math.abs((actual ?? NaN) - expected) < 1e-12, `${what}: ${actual} is not ${expected}`);
    assert.deepEqual(result.perCell.map((c) => c.score?.exactMatch), [true, true, false]);
    [1, 1, 1 / 3].forEach((f1, i) => near(result.perCell[i].score?.tokenF1, f1, `token F1 of cell ${i + 1}`));
    [1, 30 / 31, 4 / 28].forEach((sim, i) => near(result.perCell[i].score?.editSimilarity, sim, `edit similarity of cell ${i + 1}`));
    assert.equal(result.overall.exactMatches, 2);
    near(result.overall.meanTokenF1, 7 / 9, 'mean token F1');
    near(result.overall.meanEditSimilarity, (1 + 30 / 31 + 4 / 28) / 3, 'mean edit similarity');

    const notebook = vscode.workspace.notebookDocuments.find((n) => !n.isClosed && n.uri.toString() === result.notebook.toString())!;
    const prompts = notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code);
    assert.deepEqual(prompts.map((c) => c.document.getText()), ['France', 'Spain', 'Peru']);
    for (const cell of prompts) assert.ok(cell.outputs.some((o) => o.metadata?.role === 'score'), `cell ${cell.index} shows its score`);
    const peruScore = prompts[2].outputs.find((o) => o.metadata?.role === 'score')?.items.find((i) => i.mime === 'text/plain');
    assert.match(new TextDecoder().decode(peruScore?.data), /^✗ not an exact match · token F1 33\.3% · edit similarity 14\.3%\n/);
    const results = notebook.cellAt(notebook.cellCount - 1).document.getText();
    assert.match(results, /Exact match 2\/3 \(66\.7%\) · mean token F1 77\.8% · mean edit similarity 70\.4%/);
  });

  it('adds an output as a training example to a spec (comments kept) and to a JSONL file', async () => {
    const notebook = await openNotebookFor(model);
    const [cell] = await setPrompts(notebook, ['Chile'], { generationConfig: { temperature: 0 } });
    await runCell(cell);
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const specUri = vscode.Uri.joinPath(folder, 'notebook-promote', 'capitals.tuning.yaml');
    const original = fs.readFileSync(specFixture, 'utf8');
    await vscode.workspace.fs.writeFile(specUri, Buffer.from(original));
    const target = await vscode.commands.executeCommand<vscode.Uri>('geminiTuning.notebook.addAsTrainingExample', cell, { target: specUri, output: 'Santiago de Chile.' });
    assert.equal(target?.toString(), specUri.toString());
    const after = new TextDecoder().decode(await vscode.workspace.fs.readFile(specUri));
    const lastTraining = '    output: The capital of Hungary is Budapest.\n';
    assert.equal(after, original.replace(lastTraining, `${lastTraining}  - textInput: Chile\n    output: Santiago de Chile.\n`));

    const jsonl = vscode.Uri.joinPath(folder, 'notebook-promote', 'more.jsonl');
    await vscode.workspace.fs.writeFile(jsonl, Buffer.from('{"textInput":"a","output":"b"}'));
    await vscode.commands.executeCommand('geminiTuning.notebook.addAsTrainingExample', cell, { target: jsonl, output: trained('Chile') });
    const lines = new TextDecoder().decode(await vscode.workspace.fs.readFile(jsonl));
    assert.equal(lines, `{"textInput":"a","output":"b"}\n${JSON.stringify({ textInput: 'Chile', output: trained('Chile') })}\n`);
  });

  it('opens a .tunebook with its cells, metadata and outputs, and saves it back with only the edited line changed', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'notebook-roundtrip', 'example.tunebook');
    const original = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'notebooks', 'example.tunebook'), 'utf8');
    await vscode.workspace.fs.writeFile(uri, Buffer.from(original));
    const notebook = await vscode.workspace.openNotebookDocument(uri);
    assert.equal(notebook.notebookType, 'gemini-tuning-notebook');
    assert.equal(notebook.metadata.model, 'tunedModels/sentence-translator-abc123');
    assert.equal(notebook.metadata.chat, true);
    assert.deepEqual(
      notebook.getCells().map((c) => [c.kind, c.document.languageId]),
      [
        [vscode.NotebookCellKind.Markup, 'markdown'],
        [vscode.NotebookCellKind.Code, PROMPT_LANGUAGE],
        [vscode.NotebookCellKind.Code, PROMPT_LANGUAGE],
      ],
    );
    assert.equal(answerOf(notebook.cellAt(1)), undefined, 'a text/plain output without role stays a plain output');
    assert.equal(notebook.cellAt(1).outputs[0].items[0].mime, 'text/plain');
    assert.equal(notebook.cellAt(2).metadata.expected, 'Hallo Welt');

    const cell = notebook.cellAt(2);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(cell.document.uri, new vscode.Range(0, 0, 0, cell.document.lineAt(0).text.length), 'Und jetzt auf Deutsch?');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await notebook.save());
    const saved = fs.readFileSync(uri.fsPath, 'utf8');
    assert.equal(saved, original.replace('"source": "Et maintenant en allemand ?"', '"source": "Und jetzt auf Deutsch?"'));
  });

  it('a .tunebook opened from its file, closed and reopened, has the controller of its model selected, not "Select Kernel"', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'notebook-reopen', 'capitals.tunebook');
    const book = { format: 'gemini-tuning.tunebook', version: 1, metadata: { model, chat: false, generationConfig: { temperature: 0 } }, cells: [{ kind: 'prompt', source: 'Chile' }] };
    await vscode.workspace.fs.writeFile(uri, Buffer.from(JSON.stringify(book, null, 2)));
    const selectedIn = async (notebook: vscode.NotebookDocument, when: string): Promise<void> => {
      await waitFor(() => hooks.selectedModel(notebook) === model, `the controller of ${model} selected in the notebook ${when} (selected: ${hooks.selectedModel(notebook) ?? 'none'})`, {
        events: [vscode.window.onDidChangeVisibleNotebookEditors],
        timeoutMs: 30_000,
      });
    };

    // Opened by the workbench, as a restored editor is: a notebook the extension opened itself
    // would stay open for minutes after its editor closed.
    const openEditor = async (): Promise<vscode.NotebookDocument> => {
      await vscode.commands.executeCommand('vscode.open', uri);
      const notebook = vscode.window.activeNotebookEditor?.notebook;
      assert.ok(notebook, 'a notebook editor is active');
      assert.equal(notebook.uri.toString(), uri.toString(), 'the notebook is the active editor');
      return notebook;
    };
    const first = await openEditor();
    await selectedIn(first, 'when first opened');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await waitFor(() => first.isClosed, 'the notebook to close with its editor', { events: [vscode.workspace.onDidCloseNotebookDocument], timeoutMs: 30_000 });

    const reopened = await openEditor();
    assert.notEqual(reopened, first, 'a new document, as after a reload');
    await selectedIn(reopened, 'when reopened');
    // Running asks for no kernel: the cell runs on the selected model.
    await runCell(reopened.cellAt(0));
    assert.equal(answerOf(reopened.cellAt(0))?.text, trained('Chile'));
  });

  it('refuses to open a malformed .tunebook instead of showing an empty notebook', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'notebook-bad', 'broken.tunebook');
    const text = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'notebooks', 'bad-trailing-comma.tunebook'));
    await vscode.workspace.fs.writeFile(uri, text);
    await assert.rejects(async () => vscode.workspace.openNotebookDocument(uri), /line 7, column 3: invalid JSON: trailing comma/);
    assert.deepEqual(fs.readFileSync(uri.fsPath), text, 'the file is untouched');
  });
});
