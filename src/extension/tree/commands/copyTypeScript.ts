import { typeScriptSnippet, vertexTypeScriptSnippet } from '../../../core/tunedModels/snippets';
import { GEMINI_API_BASE_URL, vertexRegionalBaseUrl } from '../../backend/settings';
import { copyToClipboard } from './clipboard';
import { type CopySnippetDeps } from './copyCurl';
import { type ModelArgument } from './modelResolver';

export async function copyModelAsTypeScript(deps: CopySnippetDeps, arg?: ModelArgument): Promise<string | undefined> {
  const { connection } = deps;
  const model = await deps.resolveModel(arg, 'Copy as TypeScript');
  if (!model) return undefined;
  if (model.backend === 'vertex') {
    const { baseUrl, auth } = await connection.vertexSnippetTarget();
    const location = /^projects\/[^/]+\/locations\/([^/]+)\//.exec(model.generationModel ?? '')?.[1];
    const snippet = vertexTypeScriptSnippet(model, baseUrl, { defaultBaseUrl: location !== undefined && baseUrl === vertexRegionalBaseUrl(location), auth });
    return copyToClipboard(snippet, 'a TypeScript snippet');
  }
  await connection.getClient();
  const baseUrl = connection.baseUrl ?? GEMINI_API_BASE_URL;
  const snippet = typeScriptSnippet(model, baseUrl, { defaultBaseUrl: baseUrl === GEMINI_API_BASE_URL, withKey: connection.kind === 'gemini' });
  return copyToClipboard(snippet, 'a TypeScript snippet');
}
