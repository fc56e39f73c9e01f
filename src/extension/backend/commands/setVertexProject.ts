import { type Log } from '../../../core/util/log';
import { type Prompts } from '../../ui/prompts';
import { type Settings } from '../settings';
import { askForVertexProject } from '../vertexProjectPrompt';

export interface SetVertexProjectDeps {
  readonly settings: Pick<Settings, 'vertexProject' | 'setVertexProject'>;
  readonly prompts: Prompts;
  readonly log: Log;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * "Set Vertex AI Project": asks for the project and saves it. The welcome view offers it rather
 * than the Settings editor, whose User tab does not show this setting in a remote window.
 */
export function setVertexProject(deps: SetVertexProjectDeps): () => Promise<string | undefined> {
  return async () => {
    const project = await askForVertexProject(deps.prompts, deps.env ?? process.env, deps.settings.vertexProject);
    if (!project) return undefined;
    await deps.settings.setVertexProject(project);
    deps.log.info(`Vertex AI project set to ${project}`);
    return project;
  };
}
