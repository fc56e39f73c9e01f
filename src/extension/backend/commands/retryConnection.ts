import { type BackendHealth } from '../../../core/backend/health';
import { type BackendConnection } from '../connection';

export interface RetryConnectionDeps {
  readonly connection: Pick<BackendConnection, 'retry'>;
}

/** "Retry Connection": connects again now; resolves with the health it finds. */
export function retryConnection(deps: RetryConnectionDeps): () => Promise<BackendHealth['kind']> {
  return async () => (await deps.connection.retry()).kind;
}
