// The Getting Started walkthrough in a real extension host: contributed with a completion event
// per step that this host can fire, its media shipped, and the "create a spec" step completed by
// a spec actually written, not by a cancelled command.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import { WALKTHROUGH_CONTEXT, WALKTHROUGH_ID } from '../../../src/extension/walkthrough/registerWalkthrough';
import { ScriptedPrompts } from '../tree/support';

const EXTENSION_ID = 'gemini-tuning.gemini-tuning';

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string; image?: string };
  completionEvents?: string[];
}

describe('walkthrough: Getting Started', function () {
  this.timeout(60_000);
  let extension: vscode.Extension<GeminiTuningApi>;
  let api: GeminiTuningApi;
  let steps: Step[];

  before(async () => {
    extension = vscode.extensions.getExtension<GeminiTuningApi>(EXTENSION_ID)!;
    assert.ok(extension);
    api = await extension.activate();
    const walkthroughs = (extension.packageJSON as { contributes: { walkthroughs?: { id: string; steps: Step[] }[] } }).contributes.walkthroughs ?? [];
    const ours = walkthroughs.find((w) => w.id === WALKTHROUGH_ID);
    assert.ok(ours, `a walkthrough ${WALKTHROUGH_ID} among ${walkthroughs.map((w) => w.id).join(', ')}`);
    steps = ours.steps;
  });

  it('goes from choosing a backend to evaluating, each step with media that ships and a button that runs a command of this host', async () => {
    assert.deepEqual(steps.map((s) => s.id), ['chooseBackend', 'createSpec', 'train', 'watch', 'tryInNotebook', 'evaluate']);
    const commands = new Set(await vscode.commands.getCommands(true));
    for (const step of steps) {
      const media = step.media.markdown ?? step.media.image;
      assert.ok(media && fs.existsSync(path.join(extension.extensionPath, media)), `${step.id}: media ${media}`);
      const buttons = [...step.description.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]);
      assert.ok(buttons.length > 0, `${step.id} has a button`);
      for (const command of buttons) assert.ok(commands.has(command), `${step.id}: ${command} is registered`);
    }
  });

  it('completes each step on something this host can fire: a registered command, a setting, or a context key the extension sets', async () => {
    const commands = new Set(await vscode.commands.getCommands(true));
    const contextKeys = new Set<string>(Object.values(WALKTHROUGH_CONTEXT));
    const settings = (extension.packageJSON as { contributes: { configuration: { properties: Record<string, unknown> } } }).contributes.configuration.properties;
    for (const step of steps) {
      assert.ok(step.completionEvents && step.completionEvents.length > 0, `${step.id} completes on its own, not on a click`);
      for (const event of step.completionEvents) {
        const [kind, name] = event.split(/:(.*)/s);
        if (kind === 'onCommand') assert.ok(commands.has(name), `${step.id}: ${name} is registered`);
        else if (kind === 'onContext') assert.ok(contextKeys.has(name), `${step.id}: ${name} is set by the extension`);
        else if (kind === 'onSettingChanged') assert.ok(name in settings, `${step.id}: ${name} is a setting`);
        else assert.fail(`${step.id}: unexpected completion event ${event}`);
      }
    }
    assert.deepEqual(steps.find((s) => s.id === 'createSpec')?.completionEvents, [`onContext:${WALKTHROUGH_CONTEXT.specCreated}`]);
  });

  it('"Create a spec from your data" completes when a spec is written, and not when New Tuning Spec is cancelled', async () => {
    const hooks = api.testHooks?.walkthrough;
    assert.ok(hooks, 'walkthrough test hooks');
    const workspace = vscode.workspace.workspaceFolders![0].uri;
    const run = async (answers: ScriptedPrompts) => {
      const answering = api.prompts.use(answers);
      try {
        return await vscode.commands.executeCommand<vscode.Uri | undefined>('geminiTuning.newTuningSpec', workspace);
      } finally {
        answering.dispose();
      }
    };
    const before = hooks.reached().length;
    assert.equal(await run(new ScriptedPrompts().pickLabel('$(sparkle) Sample data').inputWith(undefined)), undefined);
    assert.equal(hooks.reached().length, before, 'a cancelled command completes nothing');
    const spec = await run(new ScriptedPrompts().pickLabel('$(sparkle) Sample data').inputWith('walkthrough'));
    assert.ok(spec && fs.existsSync(spec.fsPath));
    assert.deepEqual(hooks.reached().slice(before), ['specCreated']);
  });

  it('"Get Started" opens the Welcome editor', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const tabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
    assert.deepEqual(tabs(), [], 'no editor open before');
    await vscode.commands.executeCommand('geminiTuning.openWalkthrough');
    const deadline = Date.now() + 20_000;
    while (!tabs().some((l) => /Welcome|Get Started/i.test(l))) {
      if (Date.now() > deadline) assert.fail(`no Welcome editor among ${tabs().join(' | ')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});
