import type * as vscode from 'vscode';

export interface ShowLogDeps {
  readonly channel: Pick<vscode.OutputChannel, 'show'>;
}

/** "Show Log" and "Show Local Server Log": the output channel, in the panel. */
export function showLog(deps: ShowLogDeps): () => void {
  return () => deps.channel.show();
}
