import { curlSnippet, vertexCurlSnippet } from '../../../core/tunedModels/snippets';
import { type BackendConnection } from '../../backend/connection';
import { GEMINI_API_BASE_URL } from '../../backend/settings';
import { copyToClipboard } from './clipboard';
import { type ModelArgument, type ResolveModel } from './modelResolver';

export interface CopySnippetDeps {
  readonly resolveModel: ResolveModel;
  readonly connection: BackendConnection;
}

export async function copyModelAsCurl(deps: CopySnippetDeps, arg?: ModelArgument): Promise<string | undefined> {
  const { connection } = deps;
  const model = await deps.resolveModel(arg, 'Copy as curl');
  if (!model) return undefined;
  if (model.backend === 'vertex') {
    const { baseUrl, auth } = await connection.vertexSnippetTarget();
    return copyToClipboard(vertexCurlSnippet(model, baseUrl, auth), 'a curl command');
  }
  // Connecting settles the base URL of a local server that is still starting.
  await connection.getClient();
  const baseUrl = connection.baseUrl ?? GEMINI_API_BASE_URL;
  return copyToClipboard(curlSnippet(model, baseUrl, { withKey: connection.kind === 'gemini' }), 'a curl command');
}
