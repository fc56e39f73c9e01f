import { type Prompts } from '../ui/prompts';
import { defaultGoogleCloudProject, isProjectId } from './googleCloudProject';

/**
 * Asks for the Google Cloud project of the Vertex AI backend, suggesting the one from
 * GOOGLE_CLOUD_PROJECT or gcloud's default configuration; undefined when the person cancels.
 */
export async function askForVertexProject(prompts: Prompts, env: NodeJS.ProcessEnv, current?: string): Promise<string | undefined> {
  const suggested = await defaultGoogleCloudProject(env);
  const project = await prompts.input({
    title: 'Gemini Tuning: Vertex AI project',
    prompt: `The Google Cloud project whose tuning jobs are listed and created (saved as geminiTuning.vertex.project)${suggested ? `; suggested from ${suggested.source}` : ''}`,
    value: current || suggested?.project,
    placeHolder: 'my-project-id',
    ignoreFocusOut: true,
    validateInput: (value) => (isProjectId(value.trim()) ? undefined : 'A project ID is 6–30 lowercase letters, digits and hyphens, starting with a letter (or a project number).'),
  });
  return project?.trim() || undefined;
}
