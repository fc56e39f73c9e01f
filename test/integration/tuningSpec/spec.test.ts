// Tuning specs in a real extension host: diagnostics in the Problems panel, the CodeLens summary,
// and "Create Tuned Model from Spec" against the local tuning server.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Prompts } from '../../../src/extension/ui/prompts';
import { silentLog } from '../../../src/core/util/log';
import { RESTRICTED_MODE_REFUSAL } from '../../../src/core/tuningSpec/creationPolicy';
import { createTunedModelFromSpec, type CreateOutcome, type SpecBackend } from '../../../src/extension/tuningSpecEditor/commands/createTunedModelFromSpec';
import { SpecValidationService } from '../../../src/extension/tuningSpecEditor/diagnosticsService';

const EXTENSION_ID = 'gemini-tuning.gemini-tuning';
const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'tuningSpecs');

interface Api {
  store: { refresh(): Promise<void>; get(name: string): { state?: string } | undefined };
  prompts: { use(replacement: Prompts): vscode.Disposable };
}

interface ExpectedDiagnostic {
  file: string;
  range: [number, number, number, number];
  severity: string;
  message: string;
}

const SEVERITY_NAMES = ['error', 'warning', 'information', 'hint'];

function plain(diagnostics: readonly vscode.Diagnostic[]) {
  return diagnostics
    .filter((d) => d.source === 'Gemini Tuning')
    .map((d) => ({ range: [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character], severity: SEVERITY_NAMES[d.severity], message: d.message }))
    .sort((a, b) => a.range[0] - b.range[0] || a.range[1] - b.range[1] || a.message.localeCompare(b.message));
}

function expectedFor(name: string, file: string) {
  const expected = JSON.parse(fs.readFileSync(path.join(fixtures, `${name}.expected.json`), 'utf8')) as { diagnostics: ExpectedDiagnostic[] };
  return expected.diagnostics
    .filter((d) => d.file === file)
    .map((d) => ({ range: d.range, severity: d.severity, message: d.message }))
    .sort((a, b) => a.range[0] - b.range[0] || a.range[1] - b.range[1] || a.message.localeCompare(b.message));
}

/** Resolves once the diagnostics of `uri` satisfy `ready`; no sleeping. */
function diagnosticsOf(uri: vscode.Uri, ready: (d: readonly vscode.Diagnostic[]) => boolean, timeoutMs = 20_000): Promise<readonly vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const current = vscode.languages.getDiagnostics(uri);
      if (!ready(current)) return false;
      subscription.dispose();
      clearTimeout(timer);
      resolve(current);
      return true;
    };
    const subscription = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`diagnostics of ${uri.fsPath} not as expected within ${timeoutMs} ms: ${JSON.stringify(plain(vscode.languages.getDiagnostics(uri)))}`));
    }, timeoutMs);
    check();
  });
}

/** A backend that records whether anything asked it for a way to submit. */
function countingBackend(): SpecBackend & { calls: number } {
  const backend = {
    kind: 'local' as const,
    calls: 0,
    submitter(): ReturnType<SpecBackend['submitter']> {
      backend.calls++;
      return Promise.reject(new Error('no network in this test'));
    },
  };
  return backend;
}

function prompts(answers: { confirm: boolean }, asked: string[]): Prompts {
  return {
    confirm: async (message) => {
      asked.push(message);
      return answers.confirm;
    },
    input: async () => undefined,
    pick: async () => undefined,
  };
}

/** Declines every question; the commands built here are given their spec, so nothing should be asked. */
const refusingPrompts: Prompts = {
  confirm: async () => false,
  input: async () => undefined,
  pick: async () => undefined,
};

describe('spec: tuning specs in the editor', function () {
  this.timeout(180_000);
  let api: Api;
  let workspace: string;
  let corpus: string;

  before(async () => {
    const extension = vscode.extensions.getExtension<Api>(EXTENSION_ID);
    assert.ok(extension);
    api = await extension.activate();
    workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
    corpus = path.join(workspace, 'spec-corpus');
    fs.cpSync(fixtures, corpus, { recursive: true });
  });

  for (const name of ['ranges', 'unknown-keys', 'schema-types']) {
    it(`the Problems panel shows the expected diagnostics of ${name}.tuning.yaml`, async () => {
      const uri = vscode.Uri.file(path.join(corpus, `${name}.tuning.yaml`));
      const expected = expectedFor(name, `${name}.tuning.yaml`);
      await vscode.window.showTextDocument(uri);
      const diagnostics = await diagnosticsOf(uri, (d) => plain(d).length === expected.length);
      assert.deepEqual(plain(diagnostics), expected);
    });
  }

  it('data-file problems appear on the data file, at the bad line', async () => {
    const uri = vscode.Uri.file(path.join(corpus, 'jsonl-bad.tuning.yaml'));
    const dataUri = vscode.Uri.file(path.join(corpus, 'data', 'bad-lines.jsonl'));
    const expected = expectedFor('jsonl-bad', 'data/bad-lines.jsonl');
    await vscode.workspace.openTextDocument(uri);
    const diagnostics = await diagnosticsOf(dataUri, (d) => plain(d).length === expected.length);
    assert.deepEqual(plain(diagnostics), expected);
    const duplicate = diagnostics.find((d) => d.code === 'duplicate-example');
    assert.equal(duplicate?.relatedInformation?.[0].location.uri.fsPath, path.join(corpus, 'data', 'capitals-25.jsonl'));
  });

  it('diagnostics follow edits to the spec', async () => {
    const uri = vscode.Uri.file(path.join(corpus, 'too-few.tuning.yaml'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await diagnosticsOf(uri, (d) => d.some((x) => x.message.startsWith('5 training examples')));
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(doc.lineCount, 0), 'temperature: 7\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const after = await diagnosticsOf(uri, (d) => d.some((x) => x.message === 'temperature must be between 0 and 1 (it is 7)'));
    const temperature = after.find((x) => x.message.startsWith('temperature'))!;
    assert.equal(temperature.range.start.line, doc.lineCount - 2);
    assert.equal(temperature.range.start.character, 13);
  });

  it('shows the CodeLens actions and the training summary above the demo spec', async () => {
    const uri = vscode.Uri.file(path.join(workspace, 'capitals.tuning.yaml'));
    await vscode.workspace.openTextDocument(uri);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const titles = lenses.map((l) => l.command?.title);
    assert.ok(titles.includes('▶ Create tuned model'), JSON.stringify(titles));
    assert.ok(titles.includes('Validate'), JSON.stringify(titles));
    assert.ok(titles.includes('40 examples · 20 epochs · batch 4 · → 200 steps · LR 0.001'), JSON.stringify(titles));
  });

  it('refuses to create from a spec with errors, lists them, and makes no request', async () => {
    const uri = vscode.Uri.file(path.join(corpus, 'ranges.tuning.yaml'));
    const outcome = await vscode.commands.executeCommand<CreateOutcome>('geminiTuning.createTunedModelFromSpec', uri);
    assert.equal(outcome.status, 'invalid');
    assert.ok(outcome.status === 'invalid' && outcome.problems.includes('ranges.tuning.yaml:4: temperature must be between 0 and 1 (it is 1.5)'), JSON.stringify(outcome));

    const backend = countingBackend();
    const validation = new SpecValidationService(silentLog);
    try {
      const create = createTunedModelFromSpec({ workspaceState: memento(), log: silentLog, validation, backend, prompts: refusingPrompts, isTrusted: () => true });
      assert.equal((await create(uri)).status, 'invalid');
      assert.equal(backend.calls, 0, 'no client was even requested');
    } finally {
      validation.dispose();
    }
  });

  it('Restricted Mode: creating from a workspace spec is refused with the reason, before any request', async () => {
    const uri = vscode.Uri.file(path.join(workspace, 'capitals.tuning.yaml'));
    const backend = countingBackend();
    const validation = new SpecValidationService(silentLog);
    try {
      const create = createTunedModelFromSpec({ workspaceState: memento(), log: silentLog, validation, backend, prompts: refusingPrompts, isTrusted: () => false });
      const outcome = await create(uri);
      assert.deepEqual(outcome, { status: 'refused', reason: RESTRICTED_MODE_REFUSAL });
      assert.equal(backend.calls, 0);
    } finally {
      validation.dispose();
    }
  });

  it('creates a tuned model from a spec against the local server; it ends ACTIVE in the tree, and a second create asks first', async () => {
    const examples = Array.from({ length: 20 }, (_, i) => `  - textInput: "${String.fromCharCode(65 + i)}"\n    output: "${String.fromCharCode(97 + i)}"`).join('\n');
    const file = path.join(workspace, 'letters.tuning.yaml');
    fs.writeFileSync(file, `displayName: Spec e2e letters\nbaseModel: models/gemini-1.5-flash-001-tuning\nhyperparameters:\n  epochCount: 2\n  batchSize: 4\nexamples:\n${examples}\n`);
    const uri = vscode.Uri.file(file);
    const outcome = await vscode.commands.executeCommand<CreateOutcome>('geminiTuning.createTunedModelFromSpec', uri);
    assert.equal(outcome.status, 'created', JSON.stringify(outcome));
    assert.ok(outcome.status === 'created');
    assert.equal(outcome.state, 'ACTIVE');
    await api.store.refresh();
    assert.equal(api.store.get(outcome.model)?.state, 'active');

    const asked: string[] = [];
    const answering = api.prompts.use(prompts({ confirm: false }, asked));
    try {
      const again = await vscode.commands.executeCommand<CreateOutcome>('geminiTuning.createTunedModelFromSpec', uri);
      assert.deepEqual(again, { status: 'cancelled' });
      assert.equal(asked.length, 1);
      assert.ok(asked[0].includes(outcome.model), asked[0]);
    } finally {
      answering.dispose();
    }
  });
});

function memento(): vscode.Memento {
  const values = new Map<string, unknown>();
  return {
    keys: () => [...values.keys()],
    get: <T>(key: string, fallback?: T) => (values.has(key) ? (values.get(key) as T) : fallback),
    update: async (key: string, value: unknown) => {
      values.set(key, value);
    },
  } as vscode.Memento;
}
