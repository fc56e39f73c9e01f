import { type BackendConnection } from '../connection';

export interface RestartLocalServerDeps {
  readonly connection: Pick<BackendConnection, 'restartLocalServer'>;
}

/** "Restart Local Server": stops the local tuning server the extension runs and starts it again. */
export function restartLocalServer(deps: RestartLocalServerDeps): () => Promise<void> {
  return () => deps.connection.restartLocalServer();
}
