// Fuzzed files through the running extension: mutated specs and data files are written into the
// workspace and opened (the spec diagnostics run), broken specs are given to "Create Tuned Model
// from Spec", mutated prompt notebooks are opened (the serializer runs). The editor must show what
// the core computes, every problem where and why, nothing may be sent or asked, no file may change,
// and the host must see no unhandled rejection.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import { type SpecDiagnostic } from '../../../src/core/tuningSpec/diagnostics';
import { nodeFileSystem } from '../../../src/core/tuningSpec/nodeFileSystem';
import { validateSpec, type SpecValidation } from '../../../src/core/tuningSpec/validateSpec';
import type { CreateOutcome } from '../../../src/extension/tuningSpecEditor/commands/createTunedModelFromSpec';
import { dataCases, loadFixtures, notebookCases, specCases, type Fixtures } from '../../fuzz/families';
import { type CertainBreak, describeFuzzSeed, type FuzzSeed, fuzzSeeds } from '../../fuzz/generate';
import { decodeLeniently, FuzzTally, readNotebook, specProblems } from '../../fuzz/oracles';
import { recordSweepCase } from '../../harness/sweepTable';
import { activateExtension } from '../tree/support';
import { clearFaults, DecliningPrompts, pendingFaults, setFaults, settle, watchUnhandledRejections } from './harness';

const AREA = 'fuzz';
const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
/** Cases per family: from the regression corpus, and a third as many from this run's fresh seed. */
const CASES: Record<FuzzSeed['role'], { spec: number; data: number; notebook: number }> = {
  'regression corpus': { spec: 150, data: 90, notebook: 150 },
  fresh: { spec: 50, data: 30, notebook: 50 },
};
const CREATE_CASES = 30;
/** Every n-th file is also shown in an editor and closed again. */
const SHOW_EVERY = 15;

const count = (n: number): string => n.toLocaleString('en-US');

function geminiDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Gemini Tuning');
}

const shownRange = (r: { start: { line: number; character: number }; end: { line: number; character: number } }): string =>
  `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;

/** What the editor shows for `file` differs from what the core computed: a list of differences. */
function shownDifferently(uri: vscode.Uri, expected: readonly SpecDiagnostic[]): string[] {
  if (expected.some((d) => d.code === 'yaml-limits')) {
    // Beyond the nesting limit the YAML parser stops where the stack runs out, which depends on the
    // caller: only the limit itself must be shown.
    const limit = expected.find((d) => d.code === 'yaml-limits')!;
    return geminiDiagnostics(uri).some((d) => d.message === limit.message) ? [] : [`${path.basename(uri.fsPath)} does not show "${limit.message}"`];
  }
  const actual = geminiDiagnostics(uri)
    .map((d) => `${shownRange(d.range)} ${d.message}`)
    .sort();
  const wanted = expected.map((d) => `${shownRange(d.range)} ${d.message}`).sort();
  if (JSON.stringify(actual) === JSON.stringify(wanted)) return [];
  return [`${path.basename(uri.fsPath)} shows ${JSON.stringify(actual.slice(0, 3))} (${actual.length}) instead of ${JSON.stringify(wanted.slice(0, 3))} (${wanted.length})`];
}

/** Waits until the extension has validated the spec: its CodeLens provider awaits the validation. */
async function validatedByTheEditor(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
}

async function closeTabsUnder(folder: string): Promise<void> {
  const tabs = vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => {
      const input = t.input;
      const uri = input instanceof vscode.TabInputText || input instanceof vscode.TabInputNotebook ? input.uri : undefined;
      return uri !== undefined && uri.fsPath.startsWith(folder);
    });
  if (tabs.length > 0) assert.ok(await vscode.window.tabGroups.close(tabs), 'the editors closed');
}

describe('sweep: fuzzed files through the running extension', function () {
  this.timeout(300_000);
  const seeds = fuzzSeeds();
  const seedsText = seeds.map(describeFuzzSeed).join(', then ');
  const total = (family: 'spec' | 'data' | 'notebook'): number => seeds.reduce((n, fuzz) => n + CASES[fuzz.role][family], 0);
  /** Each seed's files go to their own folder: the same index names the same file under both. */
  const seedDir = (fuzz: FuzzSeed): string => (fuzz.role === 'fresh' ? `fresh-${fuzz.seed}` : `regression-${fuzz.seed}`);
  let api: GeminiTuningApi;
  let rejections: ReturnType<typeof watchUnhandledRejections>;
  let fixtures: Fixtures;
  let root: string;
  /** Every file written for the sweep, with its bytes: none may change. */
  const written = new Map<string, Buffer>();
  /** Specs the core found errors in, for the create command. */
  const brokenSpecs: { uri: vscode.Uri; errors: SpecDiagnostic[] }[] = [];

  const write = (file: string, bytes: Uint8Array): vscode.Uri => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
    written.set(file, Buffer.from(bytes));
    return vscode.Uri.file(file);
  };

  before(async () => {
    rejections = watchUnhandledRejections();
    api = await activateExtension();
    fixtures = loadFixtures(repoRoot);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the demo workspace is open');
    root = path.join(folder.uri.fsPath, 'sweep-fuzz');
    // A fuzzed spec may hold a line or paragraph separator. VS Code then asks whether to remove
    // them, and under test it answers its own question yes; the web workbench saves after a delay.
    // A person would be asked first, so the sweep tells VS Code not to ask.
    await vscode.workspace.getConfiguration('editor').update('unusualLineTerminators', 'off', vscode.ConfigurationTarget.Global);
    console.log(`      fuzz: ${seedsText}`);
  });

  after(async () => {
    rejections?.dispose();
    await vscode.workspace.getConfiguration('editor').update('unusualLineTerminators', undefined, vscode.ConfigurationTarget.Global);
  });

  it(`${count(total('spec'))} mutated specs opened in the editor: the Problems shown are the core's, each where and why`, async () => {
    const tally = new FuzzTally();
    let certain = 0;
    for (const fuzz of seeds) {
      const dir = path.join(root, 'specs', seedDir(fuzz));
      const dataFile = path.join(dir, fixtures.specData.name);
      write(dataFile, fixtures.specData.bytes);
      const dataTexts = new Map([[dataFile, decodeLeniently(fixtures.specData.bytes)]]);
      for (const { index, mutant } of specCases(fuzz.seed, CASES[fuzz.role].spec, fixtures)) {
        tally.cases++;
        if (mutant.certain) certain++;
        const uri = write(path.join(dir, `case-${String(index).padStart(3, '0')}.tuning.yaml`), mutant.bytes);
        const label = `spec #${index} of ${describeFuzzSeed(fuzz)} (${mutant.description})`;
        let doc: vscode.TextDocument;
        try {
          doc = await vscode.workspace.openTextDocument(uri);
        } catch (error) {
          // The editor itself refuses binary files; the extension never sees them.
          if (/binary/i.test(String(error))) tally.count('refused by the editor as binary');
          else tally.fail(label, [`could not be opened: ${String(error)}`]);
          continue;
        }
        if (index % SHOW_EVERY === 0) await vscode.window.showTextDocument(doc, { preview: false });
        const lenses = await validatedByTheEditor(uri);
        const expected = await validateSpec(doc.getText(), uri.fsPath, { fs: nodeFileSystem });
        const problems = [
          ...specProblems({ specFile: uri.fsPath, specText: doc.getText(), dataTexts, certain: mutant.certain }, expected),
          ...shownDifferently(uri, expected.diagnostics.filter((d) => d.file === uri.fsPath)),
          ...lensProblems(lenses, expected),
        ];
        if (problems.length > 0) tally.fail(label, problems);
        tally.count(expected.hasErrors ? 'diagnosed' : 'still valid');
        if (expected.hasErrors && brokenSpecs.length < CREATE_CASES) brokenSpecs.push({ uri, errors: expected.diagnostics.filter((d) => d.severity === 'error') });
      }
      await closeTabsUnder(dir);
    }
    finish(tally, `spec fuzz in the editor: ${count(tally.cases)} mutated specs opened, ${count(certain)} broken for sure (${seedsText})`);
  });

  it(`${count(total('data'))} mutated data files named by specs: their Problems are shown on their own lines`, async () => {
    const tally = new FuzzTally();
    let certain = 0;
    for (const fuzz of seeds) {
      const dir = path.join(root, 'data', seedDir(fuzz));
      for (const c of dataCases(fuzz.seed, CASES[fuzz.role].data, fixtures)) {
        tally.cases++;
        const label = `${c.format} #${c.index} of ${describeFuzzSeed(fuzz)} (${c.mutant.description})`;
        const dataFile = path.join(dir, c.dataName);
        const dataUri = write(dataFile, c.mutant.bytes);
        const specUri = write(path.join(dir, `case-${String(c.index).padStart(3, '0')}.tuning.yaml`), new TextEncoder().encode(c.spec));
        const certainty: CertainBreak | undefined = c.mutant.certain && { ...c.mutant.certain, reportedIn: dataFile };
        if (certainty) certain++;
        const doc = await vscode.workspace.openTextDocument(specUri);
        if (c.index % SHOW_EVERY === 0) await vscode.window.showTextDocument(doc, { preview: false });
        const lenses = await validatedByTheEditor(specUri);
        const expected = await validateSpec(doc.getText(), specUri.fsPath, { fs: nodeFileSystem });
        const problems = [
          ...specProblems({ specFile: specUri.fsPath, specText: doc.getText(), dataTexts: new Map([[dataFile, decodeLeniently(c.mutant.bytes)]]), certain: certainty }, expected),
          ...shownDifferently(dataUri, expected.diagnostics.filter((d) => d.file === dataFile)),
          ...shownDifferently(specUri, expected.diagnostics.filter((d) => d.file === specUri.fsPath)),
          ...lensProblems(lenses, expected),
        ];
        if (problems.length > 0) tally.fail(label, problems);
        tally.count(expected.hasErrors ? 'diagnosed' : 'still valid');
      }
      await closeTabsUnder(dir);
    }
    finish(tally, `data file fuzz in the editor: ${count(tally.cases)} mutated JSONL/CSV/JSON files, ${count(certain)} broken for sure (${seedsText})`);
  });

  it(`"Create Tuned Model from Spec" on ${count(CREATE_CASES)} broken specs: refused with every problem's file and line, nothing sent, nothing asked`, async () => {
    assert.ok(brokenSpecs.length >= CREATE_CASES / 2, `enough broken specs to try (${brokenSpecs.length})`);
    const TRIPWIRE = 1000;
    await setFaults(api, [{ match: 'POST /v1beta/tunedModels', action: 'status', status: 500, count: TRIPWIRE }]);
    const prompts = new DecliningPrompts();
    const answering = api.prompts.use(prompts);
    const tally = new FuzzTally();
    try {
      for (const { uri, errors } of brokenSpecs) {
        tally.cases++;
        const label = path.basename(uri.fsPath);
        const outcome = await vscode.commands.executeCommand<CreateOutcome>('geminiTuning.createTunedModelFromSpec', uri);
        const problems: string[] = [];
        if (outcome?.status !== 'invalid') {
          problems.push(`ended ${JSON.stringify(outcome)}`);
        } else {
          const limits = errors.some((e) => e.code === 'yaml-limits');
          if (!limits && outcome.problems.length !== errors.length) problems.push(`lists ${outcome.problems.length} problems for ${errors.length} errors`);
          for (const problem of outcome.problems) {
            const match = /^(.+):(\d+): (.+)$/s.exec(problem);
            if (!match) problems.push(`"${problem}" does not say file:line: why`);
            else if (!limits && !errors.some((e) => path.basename(e.file) === match[1] && e.range.start.line + 1 === Number(match[2]) && e.message === match[3])) problems.push(`"${problem}" is not one of the errors`);
          }
        }
        if (problems.length > 0) tally.fail(label, problems);
        tally.count(outcome?.status ?? 'nothing');
      }
    } finally {
      answering.dispose();
    }
    const tripwire = (await pendingFaults(api)).find((r) => r.match === 'POST /v1beta/tunedModels');
    await clearFaults(api);
    const sent = TRIPWIRE - (tripwire?.count ?? 0);
    const ok = tally.flagged === 0 && sent === 0 && prompts.asked.length === 0;
    recordSweepCase({
      area: AREA,
      tried: `Create Tuned Model from Spec on ${count(tally.cases)} fuzzed specs with errors`,
      outcome: `${tally.outcomes()}, each problem as file:line: why; ${sent} create requests sent; ${prompts.asked.length} questions asked; ${tally.flagged} badly reported`,
      ok,
    });
    assert.equal(tally.flagged, 0, `badly reported:\n    ${tally.failures.join('\n    ')}`);
    assert.equal(sent, 0, 'no create request reached the server');
    assert.deepEqual(prompts.asked, [], 'nothing was asked');
  });

  it('"Create Tuned Model from Spec" reads a spec that is not open as the editor does (UTF-16 with a BOM)', async () => {
    const dir = path.join(root, 'encoding');
    write(path.join(dir, fixtures.specData.name), fixtures.specData.bytes);
    const text = fixtures.spec.replace(/^temperature: .*$/m, 'temperature: 7');
    const line = text.split('\n').findIndex((l) => l.startsWith('temperature:'));
    const uri = write(path.join(dir, 'utf16.tuning.yaml'), new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]));
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString()), 'the spec is not open');
    const prompts = new DecliningPrompts();
    const answering = api.prompts.use(prompts);
    let outcome: CreateOutcome | undefined;
    try {
      outcome = await vscode.commands.executeCommand<CreateOutcome>('geminiTuning.createTunedModelFromSpec', uri);
    } finally {
      answering.dispose();
    }
    const expected = [`utf16.tuning.yaml:${line + 1}: temperature must be between 0 and 1 (it is 7)`];
    const problems = outcome?.status === 'invalid' ? outcome.problems : [];
    recordSweepCase({
      area: AREA,
      tried: 'Create Tuned Model from Spec on a UTF-16 spec (with BOM) that is not open, temperature out of range',
      outcome: outcome?.status === 'invalid' ? `refused: ${problems.join(' | ')}` : `ended ${JSON.stringify(outcome)}`,
      ok: JSON.stringify(problems) === JSON.stringify(expected),
    });
    assert.deepEqual(problems, expected, `outcome: ${JSON.stringify(outcome)}`);
    assert.deepEqual(prompts.asked, []);
  });

  it(`${count(total('notebook'))} mutated prompt notebooks opened: refused with line and column, or opened as written`, async () => {
    const tally = new FuzzTally();
    let certain = 0;
    for (const fuzz of seeds) {
      const dir = path.join(root, 'notebooks', seedDir(fuzz));
      for (const { index, mutant } of notebookCases(fuzz.seed, CASES[fuzz.role].notebook, fixtures)) {
        tally.cases++;
        if (mutant.certain) certain++;
        const label = `notebook #${index} of ${describeFuzzSeed(fuzz)} (${mutant.description})`;
        const uri = write(path.join(dir, `case-${String(index).padStart(3, '0')}.tunebook`), mutant.bytes);
        const expected = readNotebook(mutant.bytes);
        try {
          const notebook = await vscode.workspace.openNotebookDocument(uri);
          if (expected.kind === 'refused') tally.fail(label, [`opened, but the format refuses it at line ${expected.line}, column ${expected.column}: ${expected.reason}`]);
          else if (notebook.cellCount !== expected.book.cells.length) tally.fail(label, [`opened with ${notebook.cellCount} cells instead of ${expected.book.cells.length}`]);
          else if (index % SHOW_EVERY === 0) await vscode.window.showNotebookDocument(notebook);
          tally.count('opened');
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          if (expected.kind === 'opened') {
            tally.fail(label, [`refused a notebook the format reads: ${message}`]);
          } else {
            const where = `line ${expected.line}, column ${expected.column}`;
            const problems: string[] = [];
            if (!message.includes(`${where}: ${expected.reason}`)) problems.push(`the error does not say "${where}: ${expected.reason}": ${message}`);
            if (!/left untouched/.test(message)) problems.push(`the error does not say the file was left untouched: ${message}`);
            if (problems.length > 0) tally.fail(label, problems);
          }
          tally.count('refused with line and column');
        }
      }
      await closeTabsUnder(dir);
    }
    finish(tally, `notebook fuzz in the editor: ${count(tally.cases)} mutated .tunebook files opened, ${count(certain)} broken for sure (${seedsText})`);
  });

  it('changed or created no file: every fuzzed file is byte for byte what was written, after closing every editor', async () => {
    await closeTabsUnder(root);
    const changed = [...written].filter(([file, bytes]) => !fs.existsSync(file) || !bytes.equals(fs.readFileSync(file)));
    const present = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).map((f) => path.join(root, f)).filter((f) => fs.statSync(f).isFile());
    const created = present.filter((f) => !written.has(f));
    recordSweepCase({
      area: AREA,
      tried: `${count(written.size)} fuzzed user files compared byte for byte after opening, validating and closing them`,
      outcome: `${changed.length} changed, ${created.length} created`,
      ok: changed.length === 0 && created.length === 0,
    });
    assert.ok(written.size >= total('spec') + 2 * total('data') + total('notebook'), `every case wrote its files (${written.size})`);
    assert.deepEqual(changed.map(([f]) => path.relative(root, f)), [], 'no file changed');
    assert.deepEqual(created.map((f) => path.relative(root, f)), [], 'no file created');
  });

  it('left the extension host alive, the extension working and no unhandled rejection behind', async () => {
    await settle();
    const demo = vscode.workspace.workspaceFolders![0].uri;
    const [spec] = await vscode.workspace.findFiles(new vscode.RelativePattern(demo, '*.tuning.yaml'));
    assert.ok(spec, 'the demo spec is in the workspace');
    await vscode.workspace.openTextDocument(spec);
    const lenses = await validatedByTheEditor(spec);
    const summary = lenses.map((l) => l.command?.title ?? '').find((t) => /examples/.test(t));
    await api.store.refresh();
    const alive = vscode.extensions.getExtension('gemini-tuning.gemini-tuning')?.isActive === true && summary !== undefined && api.store.status.kind === 'ready';
    recordSweepCase({
      area: AREA,
      tried: 'the extension host after the fuzz: unhandled rejections, the demo spec, the tree',
      outcome: `${rejections.seen.length} unhandled rejections; demo spec: "${summary ?? 'no summary'}"; tree ${api.store.status.kind}`,
      ok: alive && rejections.seen.length === 0,
    });
    assert.deepEqual(rejections.seen, [], 'no unhandled rejection or uncaught exception in the extension host');
    assert.ok(summary, `the demo spec still gets its summary: ${JSON.stringify(lenses.map((l) => l.command?.title))}`);
    assert.equal(api.store.status.kind, 'ready', 'the tree still loads');
  });

  function finish(tally: FuzzTally, tried: string): void {
    const ok = tally.flagged === 0;
    recordSweepCase({ area: AREA, tried, outcome: `${tally.outcomes()}; ${count(tally.flagged)} badly reported`, ok });
    assert.equal(tally.flagged, 0, `${tally.flagged} of ${tally.cases} cases badly reported (${seedsText}):\n    ${tally.failures.join('\n    ')}`);
  }
});

/** The summary CodeLens must count the errors the core found. */
function lensProblems(lenses: readonly vscode.CodeLens[], expected: SpecValidation): string[] {
  const errors = expected.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors === 0 || expected.diagnostics.some((d) => d.code === 'yaml-limits')) return [];
  const titles = lenses.map((l) => l.command?.title ?? '');
  // Counts are written with thousands separators, as everywhere in the editor ("34,999 errors").
  const wanted = errors === 1 ? '1 error' : `${new Intl.NumberFormat('en-US').format(errors)} errors`;
  return titles.some((t) => t.includes(wanted)) ? [] : [`no CodeLens says "${wanted}": ${JSON.stringify(titles)}`];
}
