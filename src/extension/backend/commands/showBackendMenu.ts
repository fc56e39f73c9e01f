import * as vscode from 'vscode';
import { type Prompts } from '../../ui/prompts';
import { BackendCommands } from '../commandIds';
import { type BackendConnection } from '../connection';
import { API_KEY, type Secrets } from '../secrets';
import { type BackendKind } from '../settings';

export interface ShowBackendMenuDeps {
  readonly connection: Pick<BackendConnection, 'kind' | 'runsLocalServer'>;
  readonly secrets: Pick<Secrets, 'get'>;
  readonly prompts: Prompts;
}

type MenuItem = vscode.QuickPickItem & { readonly command: string; readonly args?: readonly unknown[] };

/** The status bar item's menu: the backend commands that apply now, run by their ids. */
export function showBackendMenu(deps: ShowBackendMenuDeps): () => Promise<void> {
  const { connection, secrets, prompts } = deps;
  return async () => {
    const other: BackendKind = connection.kind === 'local' ? 'gemini' : 'local';
    const hasStoredKey = Boolean(await secrets.get(API_KEY));
    const local = connection.runsLocalServer;
    const items: MenuItem[] = [
      {
        label: other === 'gemini' ? '$(cloud) Switch to the Gemini API' : '$(server-process) Switch to the local server',
        command: BackendCommands.switchBackend,
        args: [other],
      },
      { label: '$(arrow-swap) Switch Backend…', command: BackendCommands.switchBackend },
      { label: '$(key) Set API Key…', command: BackendCommands.setApiKey },
      ...(hasStoredKey ? [{ label: '$(trash) Clear API Key', command: BackendCommands.clearApiKey }] : []),
      { label: '$(refresh) Retry Connection', command: BackendCommands.retryConnection },
      ...(local ? [{ label: '$(debug-restart) Restart Local Server', command: BackendCommands.restartLocalServer }] : []),
      { label: '$(output) Show Log', command: BackendCommands.showLog },
      ...(local ? [{ label: '$(output) Show Local Server Log', command: BackendCommands.showServerLog }] : []),
    ];
    const picked = await prompts.pick(items, { title: `Gemini Tuning: ${connection.kind === 'local' ? 'local server' : connection.kind === 'vertex' ? 'Vertex AI' : 'Gemini API'}` });
    if (picked) await vscode.commands.executeCommand(picked.command, ...(picked.args ?? []));
  };
}
