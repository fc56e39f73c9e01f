import * as vscode from 'vscode';
import { type BackendHealth } from '../../../core/backend/health';
import { type Log } from '../../../core/util/log';
import { type BackendConnection } from '../connection';
import { API_KEY, type Secrets } from '../secrets';

export interface ClearApiKeyDeps {
  readonly connection: Pick<BackendConnection, 'kind' | 'apiKeySource' | 'refreshCredentials'>;
  readonly secrets: Pick<Secrets, 'delete'>;
  readonly log: Log;
}

/** "Clear API Key": removes the stored key, and says so when a key from the environment is still used. */
export function clearApiKey(deps: ClearApiKeyDeps): () => Promise<BackendHealth['kind']> {
  const { connection, secrets, log } = deps;
  return async () => {
    await secrets.delete(API_KEY);
    log.info('API key removed from SecretStorage');
    const health = await connection.refreshCredentials();
    if (connection.kind === 'gemini' && connection.apiKeySource.kind === 'environment') {
      void vscode.window.showInformationMessage(`The stored key is removed. The key from $${connection.apiKeySource.variable} is still used.`);
    }
    return health.kind;
  };
}
