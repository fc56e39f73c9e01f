// "New Tuning Spec" from a data file, in a real extension host: each question answered through the
// extension's prompts, the files written, and the spec validated by the extension itself.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import { ScriptedPrompts } from '../tree/support';

const EXTENSION_ID = 'gemini-tuning.gemini-tuning';

type Item = vscode.QuickPickItem;
type Validation = { errors: number; warnings: number; summary?: string };

/** Every file under `dir`, relative, sorted, with its bytes: what "writes nothing" compares. */
function snapshot(dir: string): Map<string, string> {
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
  return new Map(files.map((f) => [f, fs.statSync(path.join(dir, f)).isFile() ? fs.readFileSync(path.join(dir, f), 'latin1') : '<dir>']));
}

function find(items: readonly Item[], label: string | RegExp): Item {
  const item = items.find((i) => (typeof label === 'string' ? i.label === label : label.test(i.label)));
  if (!item) throw new Error(`no item ${label} among ${items.map((i) => i.label).join(' | ')}`);
  return item;
}

describe('import: New Tuning Spec from a data file', function () {
  this.timeout(120_000);
  let api: GeminiTuningApi;
  let workspace: string;
  let imports: string;

  const tickets = Array.from({ length: 30 }, (_, i) => ({
    question: `How do I reset password ${i}, "quickly"?`,
    answer: `Open Settings, then Security.\nStep ${i}.`,
  }));
  const csvOf = (rows: { question: string; answer: string }[]) =>
    `id,question,answer\r\n${rows.map((r, i) => `${i},"${r.question.replace(/"/g, '""')}","${r.answer.replace(/"/g, '""')}"`).join('\r\n')}\r\n`;

  before(async () => {
    const extension = vscode.extensions.getExtension<GeminiTuningApi>(EXTENSION_ID);
    assert.ok(extension);
    api = await extension.activate();
    workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
    imports = path.join(workspace, 'imports');
    fs.mkdirSync(imports, { recursive: true });
    fs.writeFileSync(path.join(imports, 'support tickets.csv'), `${csvOf(tickets)}30,"What now?",""\r\n`);
    fs.writeFileSync(path.join(imports, 'words.json'), JSON.stringify(Array.from({ length: 25 }, (_, i) => ({ n: i, de: `Wort ${i}`, en: `word ${i}` }))));
    fs.writeFileSync(path.join(imports, 'settings.json'), '{"not": "examples"}\n');
    fs.writeFileSync(path.join(imports, 'broken.csv'), 'question,answer\nfine,yes\n"never closed,no\nmore\n');
  });

  /** Runs "New Tuning Spec" with `arg`, answering its questions with `answers`, which must all be asked. */
  async function newSpec(answers: ScriptedPrompts, arg: vscode.Uri = vscode.Uri.file(workspace)): Promise<vscode.Uri | undefined> {
    const answering = api.prompts.use(answers);
    try {
      const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('geminiTuning.newTuningSpec', arg);
      assert.equal(answers.remaining, 0, `every scripted answer was asked for: ${answers.asked.join(' / ')}`);
      return uri;
    } finally {
      answering.dispose();
    }
  }

  const pickTickets = (seen?: (items: readonly Item[]) => void) =>
    new ScriptedPrompts().pickWith((items) => {
      seen?.(items);
      return items.find((i) => i.description?.endsWith('imports/support tickets.csv'));
    });

  it('offers the workspace\'s data files, previews the guessed columns, splits off a validation set, and writes a spec that validates', async () => {
    let offered: string[] = [];
    let preview: readonly Item[] = [];
    let holdOut: readonly Item[] = [];
    let review: readonly Item[] = [];
    let suggestedName: string | undefined;
    const answers = pickTickets((items) => (offered = items.map((i) => i.description ?? i.label)))
      .pickWith((items) => {
        preview = items;
        return find(items, '$(check) Use These Columns');
      })
      .pickWith((items) => {
        holdOut = items;
        return find(items, '$(beaker) Hold Out 20%');
      })
      .inputWith('support bot', (options) => (suggestedName = options.value))
      .pickWith((items) => {
        review = items;
        return find(items, '$(check) Create Spec');
      });
    const before = fs.readFileSync(path.join(imports, 'support tickets.csv'), 'utf8');
    const uri = await newSpec(answers);

    assert.ok(offered.some((d) => d.endsWith('imports/support tickets.csv')), offered.join(' | '));
    assert.ok(offered.some((d) => d.endsWith('imports/words.json')), 'a JSON array is offered');
    assert.ok(offered.some((d) => d.endsWith('capitals.examples.jsonl')), 'the demo data is offered');
    assert.ok(!offered.some((d) => d.endsWith('settings.json')), 'a JSON object is not offered');

    assert.equal(find(preview, '$(check) Use These Columns').description, 'question → input, answer → output');
    const firstRow = preview.find((i) => i.detail === 'line 2');
    assert.equal(firstRow?.label, 'How do I reset password 0, "quickly"?');
    assert.equal(firstRow?.description, '→ Open Settings, then Security. ⏎ Step 0.');
    assert.equal(preview.find((i) => i.detail === 'line 4')?.label, 'How do I reset password 1, "quickly"?', 'a value over two lines makes one row');

    assert.equal(find(holdOut, '$(beaker) Hold Out 20%').description, '24 for training, 6 for validation');
    assert.equal(suggestedName, 'support tickets');
    assert.equal(find(review, '$(check) Create Spec').detail, '24 training examples, 6 validation examples');
    assert.match(find(review, '$(arrow-right) Input length').description ?? '', /^37–38 characters, median 38/);
    assert.match(find(review, /not usable/).label, /1 row not usable/);
    assert.match(find(review, /not usable/).detail ?? '', /^line 62: the output is empty/);

    assert.ok(uri, 'a spec was written');
    assert.equal(path.basename(uri.fsPath), 'support-bot.tuning.yaml');
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, uri.fsPath, 'the spec is opened');
    const spec = fs.readFileSync(uri.fsPath, 'utf8');
    assert.match(spec, /^examplesFile: support-bot\.training\.jsonl$/m);
    assert.match(spec, /^validation:\n {2}examplesFile: support-bot\.validation\.jsonl$/m);
    assert.match(spec, /^# tunedModelId: support-bot$/m);
    const training = fs.readFileSync(path.join(workspace, 'support-bot.training.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { textInput: string; output: string });
    assert.equal(training.length, 24);
    assert.ok(training.every((e) => tickets.some((t) => t.question === e.textInput && t.answer === e.output)), 'the examples are the CSV rows, quotes and newlines intact');
    assert.equal(fs.readFileSync(path.join(imports, 'support tickets.csv'), 'utf8'), before, 'the data file is left as it was');

    const result = await vscode.commands.executeCommand<Validation>('geminiTuning.validateSpec', uri);
    assert.deepEqual(result, { errors: 0, warnings: 0, summary: '24 examples · 5 epochs · batch 4 · → 30 steps · LR 0.001' });
  });

  it('imports a JSON array through columns chosen by hand, and the spec reads the file itself', async () => {
    let inputColumns: string[] = [];
    const uri = await newSpec(
      new ScriptedPrompts()
        .pickWith((items) => items.find((i) => i.description?.endsWith('imports/words.json')))
        .pickWith((items) => {
          assert.equal(find(items, '$(check) Use These Columns').description, 'de → input, en → output', 'the first two text columns, not the numbers');
          return find(items, '$(list-selection) Choose Other Columns…');
        })
        .pickWith((items) => {
          inputColumns = items.map((i) => i.label);
          return find(items, 'en');
        })
        .pickWith((items) => find(items, 'de'))
        .pickWith((items) => {
          assert.equal(items.find((i) => i.detail === 'item 1')?.label, 'word 0', 'the preview follows the chosen columns');
          return find(items, '$(check) Use These Columns');
        })
        .pickLabel('$(circle-slash) No Validation Set')
        .inputWith('Übersetzer 🇩🇪')
        .pickLabel('$(check) Create Spec'),
    );
    assert.deepEqual(inputColumns, ['de', 'en', 'n'], 'text columns first, then the others');
    assert.ok(uri);
    assert.equal(path.basename(uri.fsPath), 'ubersetzer.tuning.yaml');
    const spec = fs.readFileSync(uri.fsPath, 'utf8');
    assert.match(spec, /^examplesFile:\n {2}path: imports\/words\.json\n {2}columns:\n {4}textInput: en\n {4}output: de$/m);
    assert.ok(!fs.existsSync(path.join(workspace, 'ubersetzer.training.jsonl')), 'no split files without a validation set');
    const result = await vscode.commands.executeCommand<Validation>('geminiTuning.validateSpec', uri);
    assert.deepEqual(result, { errors: 0, warnings: 0, summary: '25 examples · 5 epochs · batch 4 · → 32 steps · LR 0.001' });
  });

  it('run on a data file in the Explorer, starts from that file; a name without Latin letters still makes an id', async () => {
    const uri = await newSpec(
      new ScriptedPrompts().pickLabel('$(check) Use These Columns').pickLabel('$(circle-slash) No Validation Set').inputWith('サポート').pickLabel('$(check) Create Spec'),
      vscode.Uri.file(path.join(imports, 'support tickets.csv')),
    );
    assert.ok(uri);
    assert.equal(path.basename(uri.fsPath), 'support-tickets.tuning.yaml');
    assert.equal(path.dirname(uri.fsPath), imports, 'written beside the data file');
    assert.match(fs.readFileSync(uri.fsPath, 'utf8'), /^ {2}path: "support tickets\.csv"$/m);
  });

  it('scaffolds a spec and sample data that validate, and never overwrites', async () => {
    const sample = () => new ScriptedPrompts().pickLabel('$(sparkle) Sample data').inputWith('scaffold');
    const first = await newSpec(sample());
    const second = await newSpec(sample());
    assert.ok(first && second);
    assert.equal(path.basename(first.fsPath), 'scaffold.tuning.yaml');
    assert.equal(path.basename(second.fsPath), 'scaffold-2.tuning.yaml');
    assert.ok(fs.existsSync(path.join(workspace, 'scaffold.examples.jsonl')));
    const result = await vscode.commands.executeCommand<Validation>('geminiTuning.validateSpec', first);
    assert.deepEqual(result, { errors: 0, warnings: 0, summary: '20 examples · 5 epochs · batch 4 · → 25 steps · LR 0.001' });
  });

  describe('cancelling', () => {
    const use = (items: readonly Item[]) => find(items, '$(check) Use These Columns');
    const steps: [string, (p: ScriptedPrompts) => ScriptedPrompts][] = [
      ['the data file', (p) => p.cancelPick()],
      ['the preview', () => pickTickets().cancelPick()],
      ['the choice of the input column', () => pickTickets().pickLabel('$(list-selection) Choose Other Columns…').cancelPick()],
      ['the choice of the output column', () => pickTickets().pickLabel('$(list-selection) Choose Other Columns…').pickLabel('question').cancelPick()],
      ['the validation set', () => pickTickets().pickWith(use).cancelPick()],
      ['the name', () => pickTickets().pickWith(use).pickLabel('$(beaker) Hold Out 10%').inputWith(undefined)],
      ['the review', () => pickTickets().pickWith(use).pickLabel('$(beaker) Hold Out 10%').inputWith('never written').cancelPick()],
    ];
    for (const [step, script] of steps) {
      it(`at ${step} writes nothing`, async () => {
        const before = snapshot(workspace);
        assert.equal(await newSpec(script(new ScriptedPrompts())), undefined);
        assert.deepEqual([...snapshot(workspace).keys()], [...before.keys()]);
        assert.deepEqual(snapshot(workspace), before);
      });
    }

    it('the same answers with Create at the end do write, so the scripts above reach the step they cancel', async () => {
      const uri = await newSpec(pickTickets().pickWith(use).pickLabel('$(beaker) Hold Out 10%').inputWith('written once').pickLabel('$(check) Create Spec'));
      assert.ok(uri && fs.existsSync(uri.fsPath));
      assert.ok(fs.existsSync(path.join(workspace, 'written-once.validation.jsonl')));
    });
  });

  it('a malformed CSV stops the import before any question, writes nothing, and the error says where, why and what to do', async () => {
    const before = snapshot(workspace);
    const answers = new ScriptedPrompts().pickWith((items) => items.find((i) => i.description?.endsWith('imports/broken.csv')));
    assert.equal(await newSpec(answers), undefined);
    assert.deepEqual(snapshot(workspace), before);
    const logFile = path.join(api.locations.logUri.fsPath, 'Gemini Tuning.log');
    const expected = 'broken.csv, line 3: a quoted value that starts in the row on line 3 is never closed. Close the quote';
    const deadline = Date.now() + 15_000;
    while (!(fs.existsSync(logFile) && fs.readFileSync(logFile, 'utf8').includes(expected))) {
      if (Date.now() > deadline) assert.fail(`the log never said "${expected}"`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});
