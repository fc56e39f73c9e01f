import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'gemini-tuning.gemini-tuning';
const COMMAND_PREFIX = 'geminiTuning.';

describe('activation', () => {
  it(`runs in a real VS Code host`, () => {
    console.log(`vscode.version ${vscode.version} (extension host on Node ${process.version})`);
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
    assert.ok(vscode.workspace.workspaceFolders?.length, 'a workspace folder is open');
  });

  it('loads this checkout of the extension and activates it', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed in the host`);
    assert.equal(path.resolve(extension.extensionPath), path.resolve(__dirname, '..', '..', '..', '..'));
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  it('registers every contributed command, and contributes every registered command', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    await extension.activate();
    const contributed: string[] = (extension.packageJSON.contributes?.commands ?? []).map((c: { command: string }) => c.command);
    // The workbench adds `<viewId>.focus`, `.open`, … for every contributed view: not ours to contribute.
    const views: string[] = Object.values<Array<{ id: string }>>(extension.packageJSON.contributes?.views ?? {})
      .flat()
      .map((v) => v.id);
    const registered = (await vscode.commands.getCommands(true)).filter(
      (c) => c.startsWith(COMMAND_PREFIX) && !views.some((view) => c.startsWith(`${view}.`)),
    );

    const notRegistered = contributed.filter((c) => !registered.includes(c));
    const notContributed = registered.filter((c) => !contributed.includes(c));
    assert.deepEqual(notRegistered, [], 'commands in package.json that activate() does not register');
    assert.deepEqual(notContributed, [], 'registered geminiTuning.* commands missing from package.json');
    assert.ok(contributed.every((c) => c.startsWith(COMMAND_PREFIX)), `command ids start with ${COMMAND_PREFIX}`);
  });
});
