// Webview sweep in the extension host: model names, descriptions and generated text that carry
// HTML, Markdown, `javascript:` and `command:` links must reach the tree, the tooltips and the
// prompt notebook as inert text. Markdown is rendered with VS Code's own Markdown engine
// (`markdown.api.render`) to see what a person would get; each check is also run on the raw
// text, which must come out as live HTML, so a check that cannot fail fails the suite.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import { recordSweepCase } from '../../harness/sweepTable';
import { activateExtension, findItem, modelRecord, resetSettings, startTestServer, type TestServer, useBackend, treeHooks } from '../tree/support';
import { startRecordingProxy } from '../../harness/recordingProxy';
import { notebookHooks } from './harness';
import { waitFor } from '../../harness/waitFor';

const AREA = 'webview';
const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
const LINK_NAME = '[Open me](command:workbench.action.quit)';
const HOSTILE_DESCRIPTION =
  '**bold** <b>html</b> [js](javascript:alert(1)) [cmd](command:workbench.action.quit) <script>alert(2)</script> ![t](https://example.com/t.png)';
const HOSTILE_ANSWER = '<img src=x onerror=alert(3)> [cmd](command:workbench.action.quit) <script>alert(4)</script>';
const HTML_MODEL = 'tunedModels/hostile-html';
const LINK_MODEL = 'tunedModels/hostile-link';

/** Tags and links a renderer must never produce from this text. */
const LIVE = /<(img|script|b|iframe|svg)\b|<a\s[^>]*href\s*=\s*["']?(javascript|command):/i;

function liveSample(html: string): string {
  const match = LIVE.exec(html);
  return match ? html.slice(Math.max(0, match.index - 40), match.index + 80) : '';
}

function render(markdown: string): Thenable<string> {
  return vscode.commands.executeCommand<string>('markdown.api.render', markdown);
}

/** Answers generation with hostile text, and forwards everything else to the real server. */
async function startHostileBackend(target: string): Promise<{ url: string; generated: number; close(): Promise<void> }> {
  const chunk = (text: string, last: boolean) => ({
    candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
    ...(last ? { usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 9, totalTokenCount: 12 } } : {}),
  });
  const proxy = await startRecordingProxy(target, (req, res) => {
    if (!/:streamGenerateContent/.test(req.url ?? '')) return false;
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const half = HOSTILE_ANSWER.indexOf(' [');
    res.write(`data: ${JSON.stringify(chunk(HOSTILE_ANSWER.slice(0, half), false))}\r\n\r\n`);
    res.end(`data: ${JSON.stringify(chunk(HOSTILE_ANSWER.slice(half), true))}\r\n\r\n`);
    return true;
  });
  return {
    url: proxy.url,
    get generated() {
      return proxy.requests.filter((r) => /:streamGenerateContent/.test(r.url)).length;
    },
    close: () => proxy.close(),
  };
}

function decode(item: vscode.NotebookCellOutputItem): string {
  return new TextDecoder().decode(item.data);
}

/** How each output item of a cell would be shown, and whether anything in it is live. */
async function liveOutputs(cells: readonly vscode.NotebookCell[]): Promise<{ live: string[]; mimes: Set<string>; text: string }> {
  const live: string[] = [];
  const mimes = new Set<string>();
  let text = '';
  for (const cell of cells) {
    if (cell.kind === vscode.NotebookCellKind.Markup) {
      const html = await render(cell.document.getText());
      if (LIVE.test(html)) live.push(`markdown cell ${cell.index}: ${liveSample(html)}`);
      text += html;
      continue;
    }
    for (const output of cell.outputs) {
      for (const item of output.items) {
        mimes.add(item.mime);
        const value = decode(item);
        text += value;
        if (item.mime === 'text/markdown') {
          const html = await render(value);
          if (LIVE.test(html)) live.push(`cell ${cell.index} markdown output: ${liveSample(html)}`);
        } else if (item.mime === 'text/html') {
          // The comparison table is the only HTML the extension writes: nothing but table markup, and `code` for its figures.
          const tags = [...value.matchAll(/<\/?([a-z][a-z0-9]*)/gi)].map((m) => m[1].toLowerCase());
          const foreign = tags.filter((t) => !['table', 'colgroup', 'col', 'thead', 'tbody', 'tr', 'td', 'th', 'code'].includes(t));
          if (foreign.length || LIVE.test(value)) live.push(`cell ${cell.index} html output: ${foreign.join(',')}`);
        } else if (!['application/vnd.code.notebook.stdout', 'application/vnd.code.notebook.stderr', 'text/plain', 'application/vnd.code.notebook.error'].includes(item.mime)) {
          live.push(`cell ${cell.index}: unexpected mime ${item.mime}`);
        }
      }
    }
  }
  return { live, mimes, text };
}

async function runCell(cell: vscode.NotebookCell): Promise<void> {
  const hooks = await notebookHooks();
  const runs = hooks.finishedRuns(cell);
  await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: cell.index, end: cell.index + 1 }], document: cell.notebook.uri });
  await hooks.waitForRuns(cell, runs + 1, 120_000);
  await waitFor(() => cell.executionSummary?.success !== undefined && cell.outputs.some((o) => (o.metadata?.role === 'answer' && o.metadata?.stats !== undefined) || o.metadata?.role === 'notice'), 'the final outputs');
}

describe('sweep webview: hostile names and generated text stay inert', function () {
  this.timeout(240_000);
  let api: GeminiTuningApi & { extensionPath: string };
  let server: TestServer;
  let hostile: Awaited<ReturnType<typeof startHostileBackend>>;
  const written: string[] = [];

  before(async () => {
    api = await activateExtension();
    server = await startTestServer(api.extensionPath, {
      seed: [
        { ...modelRecord('hostile-html', 'ACTIVE', 1), displayName: HOSTILE_NAME, description: HOSTILE_DESCRIPTION },
        { ...modelRecord('hostile-link', 'ACTIVE', 2), displayName: LINK_NAME, description: LINK_NAME },
      ],
    });
    hostile = await startHostileBackend(server.url);
    await useBackend(api, 'local', hostile.url);
  });

  after(async () => {
    for (const file of written) fs.rmSync(file, { force: true });
    await resetSettings();
    await hostile?.close();
    await server?.stop();
  });

  it('control: the Markdown engine turns the raw hostile text into live HTML', async () => {
    const raw = await render(`${HOSTILE_NAME}\n\n${HOSTILE_DESCRIPTION}`);
    const ok = LIVE.test(raw);
    recordSweepCase({ area: AREA, tried: 'control: render the raw hostile name and description as Markdown', outcome: ok ? 'live tags and links (as expected for raw text)' : 'nothing live: the check below could not fail', ok });
    assert.ok(ok, `the raw text renders live HTML: ${raw}`);
  });

  it('shows hostile names as plain labels and escaped, untrusted Markdown tooltips in the tree', async () => {
    const problems: string[] = [];
    const shown: string[] = [];
    for (const [name, label] of [
      [HTML_MODEL, HOSTILE_NAME],
      [LINK_MODEL, LINK_NAME],
    ] as const) {
      const found = findItem(api, name);
      assert.ok(found, `${name} is in the tree`);
      const { item } = found;
      if (item.label !== label) problems.push(`${name}: label ${JSON.stringify(item.label)}`);
      if (typeof item.description !== 'string') problems.push(`${name}: description is not plain text`);
      const node = treeHooks(api).provider.nodeFor(name);
      assert.ok(node);
      const resolved = treeHooks(api).provider.resolveTreeItem(item, node) as vscode.TreeItem;
      const tooltip = resolved.tooltip;
      assert.ok(tooltip instanceof vscode.MarkdownString, 'the tooltip is Markdown');
      if (tooltip.isTrusted) problems.push(`${name}: tooltip isTrusted`);
      if (tooltip.supportHtml) problems.push(`${name}: tooltip supportHtml`);
      const html = await render(tooltip.value);
      if (LIVE.test(html)) problems.push(`${name}: tooltip renders live HTML: ${liveSample(html)}`);
      if (!html.includes('&lt;img src=x onerror=alert(1)&gt;') && name === HTML_MODEL) problems.push(`${name}: the name is not shown literally: ${html}`);
      shown.push(html.replace(/<[^>]+>/g, '').slice(0, 60));
    }
    recordSweepCase({
      area: AREA,
      tried: `tree items for "${HOSTILE_NAME}" and "${LINK_NAME}" (label, description, Markdown tooltip with hostile description)`,
      outcome: problems.length ? problems.join('; ') : 'labels are the literal names; tooltips untrusted, no HTML, render as text',
      ok: problems.length === 0,
    });
    assert.deepEqual(problems, []);
  });

  it('keeps the prompt notebook inert: its heading, streamed answer, comparison and evaluation', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>('geminiTuning.openInNotebook', HTML_MODEL);
    const notebook = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === uri.toString());
    assert.ok(notebook, 'the notebook is open');
    const cell = notebook.getCells().find((c) => c.kind === vscode.NotebookCellKind.Code)!;
    const edit = new vscode.WorkspaceEdit();
    edit.set(cell.document.uri, [vscode.TextEdit.insert(new vscode.Position(0, 0), 'hello')]);
    assert.ok(await vscode.workspace.applyEdit(edit));
    const before = hostile.generated;
    await runCell(cell);
    const compared = await vscode.commands.executeCommand('geminiTuning.notebook.runAgainstBaseModel', cell);
    assert.ok(compared, 'the comparison ran');
    await waitFor(() => cell.outputs.some((o) => o.metadata?.role === 'comparison'), 'the comparison output');
    const prompts = await liveOutputs(notebook.getCells());

    // Evaluation: a spec whose held-out examples are hostile, so the expected text and the inputs reach Markdown.
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const specFile = path.join(folder, 'hostile.tuning.yaml');
    fs.writeFileSync(
      specFile,
      [
        'displayName: hostile',
        'baseModel: models/gemini-1.5-flash-001-tuning',
        'examplesFile: capitals.examples.jsonl',
        'validation:',
        '  examples:',
        `    - textInput: ${JSON.stringify(HOSTILE_NAME)}`,
        `      output: ${JSON.stringify(HOSTILE_DESCRIPTION)}`,
        `    - textInput: ${JSON.stringify(LINK_NAME)}`,
        '      output: "```\\n<img src=x onerror=alert(5)>\\n```"',
        '',
      ].join('\n'),
    );
    written.push(specFile);
    const evaluation = await vscode.commands.executeCommand<{ notebook: vscode.Uri } | undefined>('geminiTuning.evaluateTunedModel', vscode.Uri.file(specFile), HTML_MODEL);
    assert.ok(evaluation, 'the evaluation ran');
    const evaluated = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === evaluation.notebook.toString());
    assert.ok(evaluated);
    const scored = await liveOutputs(evaluated.getCells());

    const generated = hostile.generated - before;
    const live = [...prompts.live, ...scored.live];
    const answered = prompts.text.includes(HOSTILE_ANSWER.slice(0, 20));
    recordSweepCase({
      area: AREA,
      tried: `prompt notebook of "${HOSTILE_NAME}": heading, streamed hostile answer, base comparison (HTML), evaluation on hostile held-out examples`,
      outcome: live.length ? live.join('; ') : `${generated} hostile streams; outputs ${[...prompts.mimes, ...scored.mimes].filter((m, i, a) => a.indexOf(m) === i).join(', ')} all inert`,
      ok: live.length === 0 && answered && generated >= 3,
    });
    assert.ok(answered, 'the hostile answer reached the notebook');
    assert.ok(generated >= 3, `the hostile backend answered the run, the comparison and the evaluation (${generated})`);
    assert.deepEqual(live, []);
  });
});
