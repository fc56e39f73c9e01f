// Authoring a tuning spec in a real extension host, with no YAML extension installed: completion,
// hover and quick fixes come from the extension's own providers over the shipped schema; a broken
// spec gets its error on the broken line and a CodeLens that invents no figures.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'gemini-tuning.gemini-tuning';
const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'tuningSpecs');

const SPEC = `displayName: Capitals
baseModel: models/gemini-1.5-flash-001-tuning
temprature: 0.2
topK: 0
hyperparameters:
  epochCount: 3

examplesFile: data/capitals-25.jsonl
`;

/** Resolves once the extension's diagnostics of `uri` satisfy `ready`; no sleeping. */
function diagnosticsOf(uri: vscode.Uri, ready: (d: readonly vscode.Diagnostic[]) => boolean, timeoutMs = 20_000): Promise<readonly vscode.Diagnostic[]> {
  const ours = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Gemini Tuning');
  return new Promise((resolve, reject) => {
    const check = () => {
      const current = ours();
      if (!ready(current)) return;
      subscription.dispose();
      clearTimeout(timer);
      resolve(current);
    };
    const subscription = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`diagnostics of ${uri.fsPath} not as expected within ${timeoutMs} ms: ${JSON.stringify(ours().map((d) => [d.range.start.line, d.message]))}`));
    }, timeoutMs);
    check();
  });
}

function labelOf(item: vscode.CompletionItem): string {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

describe('spec authoring: completion, hover and quick fixes without a YAML extension', function () {
  this.timeout(120_000);
  let corpus: string;

  before(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    await extension.activate();
    assert.equal(vscode.extensions.getExtension('redhat.vscode-yaml'), undefined, 'the YAML extension is not installed here');
    corpus = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'authoring-corpus');
    fs.cpSync(fixtures, corpus, { recursive: true });
  });

  async function openSpec(name: string, text: string): Promise<vscode.TextDocument> {
    const file = path.join(corpus, name);
    fs.writeFileSync(file, text);
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    return doc;
  }

  it('completes the keys valid at the cursor that are not there yet, and enum values', async () => {
    const doc = await openSpec('complete.tuning.yaml', `${SPEC}validation:\n  examplesFile:\n    path: held-out.tsv\n    format: \n`);
    const top = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(6, 0));
    const keys = top.items.filter((i) => i.kind === vscode.CompletionItemKind.Property).map(labelOf);
    assert.ok(keys.includes('temperature') && keys.includes('description') && keys.includes('tunedModelId'), keys.join(', '));
    for (const present of ['displayName', 'baseModel', 'hyperparameters', 'examplesFile', 'validation']) assert.ok(!keys.includes(present), `${present} is already in the spec: ${keys.join(', ')}`);
    assert.ok(!keys.includes('epochCount'), 'epochCount belongs under hyperparameters');

    const underHyperparameters = await openSpec('complete-nested.tuning.yaml', 'hyperparameters:\n  epochCount: 3\n  \n');
    const hp = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', underHyperparameters.uri, new vscode.Position(2, 2));
    assert.deepEqual(hp.items.filter((i) => i.kind === vscode.CompletionItemKind.Property).map(labelOf).sort(), ['batchSize', 'learningRate', 'learningRateMultiplier']);

    const formats = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(11, 12));
    assert.deepEqual(formats.items.filter((i) => i.kind === vscode.CompletionItemKind.Value).map(labelOf).sort(), ['csv', 'json', 'jsonl', 'tsv']);
  });

  it('hover shows what the field means, its limit and its default', async () => {
    const doc = await openSpec('hover.tuning.yaml', SPEC);
    const topK = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(3, 1)));
    assert.match(topK, /\*\*topK\*\*/);
    assert.match(topK, /Limit: at least 1/);
    const epochs = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(5, 4)));
    assert.match(epochs, /Passes over the training data/);
    assert.match(epochs, /Default: `5`/);
  });

  it('quick fixes: the suggested key is applied, and a value is clamped into range', async () => {
    const doc = await openSpec('fix.tuning.yaml', SPEC);
    const diagnostics = await diagnosticsOf(doc.uri, (d) => d.some((x) => x.message.includes('Did you mean "temperature"?')) && d.some((x) => x.message.startsWith('topK must be')));
    const misspelled = diagnostics.find((d) => d.message.includes('Did you mean "temperature"?'))!;
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, misspelled.range, vscode.CodeActionKind.QuickFix.value);
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Remove "temprature"'), titles.join(' | '));
    const rename = actions.find((a) => a.title === 'Change to "temperature"');
    assert.ok(rename?.edit, titles.join(' | '));
    assert.equal(rename.isPreferred, true);
    assert.ok(await vscode.workspace.applyEdit(rename.edit));
    assert.equal(doc.lineAt(2).text, 'temperature: 0.2');
    await diagnosticsOf(doc.uri, (d) => !d.some((x) => x.code === 'unknown-key'));

    const topK = diagnostics.find((d) => d.message.startsWith('topK must be'))!;
    const clamps = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, topK.range, vscode.CodeActionKind.QuickFix.value);
    const clamp = clamps.find((a) => a.title === 'Clamp to 1');
    assert.ok(clamp?.edit, clamps.map((a) => a.title).join(' | '));
    assert.ok(await vscode.workspace.applyEdit(clamp.edit));
    assert.equal(doc.lineAt(3).text, 'topK: 1');
    await diagnosticsOf(doc.uri, (d) => !d.some((x) => x.message.startsWith('topK')));
  });

  it('a name given as tunedModelId is turned into a valid id', async () => {
    const doc = await openSpec('id.tuning.yaml', `${SPEC.replace('temprature', 'temperature').replace('topK: 0', 'topK: 2')}tunedModelId: Support Bot\n`);
    const diagnostics = await diagnosticsOf(doc.uri, (d) => d.some((x) => x.message.startsWith('tunedModelId must be')));
    const diagnostic = diagnostics.find((d) => d.message.startsWith('tunedModelId must be'))!;
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === 'Change to the valid id "support-bot"');
    assert.ok(fix?.edit, actions.map((a) => a.title).join(' | '));
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(doc.lineAt(doc.lineCount - 2).text, 'tunedModelId: support-bot');
  });

  it('a line indented too far: one error, on that line; the CodeLens says the spec has errors instead of a summary', async () => {
    const uri = vscode.Uri.file(path.join(corpus, 'indent-too-deep.tuning.yaml'));
    await vscode.window.showTextDocument(uri);
    const diagnostics = await diagnosticsOf(uri, (d) => d.length > 0);
    assert.deepEqual(diagnostics.map((d) => d.range.start.line + 1), [11]);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.some((t) => t.startsWith('The spec has YAML errors')), titles.join(' | '));
    assert.ok(!titles.some((t) => /epoch|step/.test(t)), titles.join(' | '));
  });

  it('broken JSONL rows: the CodeLens counts only the valid examples and names the rows with problems', async () => {
    const uri = vscode.Uri.file(path.join(corpus, 'jsonl-bad.tuning.yaml'));
    await vscode.workspace.openTextDocument(uri);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.some((t) => t.startsWith('28 examples (7 rows with problems) · 5 epochs')), titles.join(' | '));
  });
});
