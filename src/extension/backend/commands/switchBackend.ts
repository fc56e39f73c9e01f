import { type Log } from '../../../core/util/log';
import { type Prompts } from '../../ui/prompts';
import { type BackendConnection } from '../connection';
import { type BackendKind, type Settings } from '../settings';
import { askForVertexProject } from '../vertexProjectPrompt';

export interface SwitchBackendDeps {
  readonly connection: Pick<BackendConnection, 'kind'>;
  readonly settings: Pick<Settings, 'backend' | 'setBackend' | 'vertexProject' | 'setVertexProject' | 'vertexOnLocalServer' | 'setVertexOnLocalServer'>;
  readonly prompts: Prompts;
  readonly log: Log;
  readonly env?: NodeJS.ProcessEnv;
}

const KINDS: readonly BackendKind[] = ['local', 'gemini', 'vertex'];
/** The project the offline twin is given when none is set: it accepts any. */
const LOCAL_TWIN_PROJECT = 'local-project';

/** "Switch Backend": to the backend given, or to the one the person picks; the connection follows the setting. */
export function switchBackend(deps: SwitchBackendDeps): (target?: unknown) => Promise<BackendKind | undefined> {
  const { connection, settings, prompts, log } = deps;
  return async (target) => {
    let kind: BackendKind | undefined = KINDS.find((k) => k === target);
    let onLocalServer = settings.vertexOnLocalServer;
    if (!kind) {
      const picked = await prompts.pick(
        [
          { label: '$(server-process) Local tuning server', description: 'trains a small local model', backend: 'local' as const },
          { label: '$(cloud) Gemini API', description: 'needs an API key', backend: 'gemini' as const },
          { label: '$(cloud) Vertex AI', description: 'tunes Gemini models in a Google Cloud project', backend: 'vertex' as const, onLocalServer: false },
          { label: '$(server-process) Vertex AI, offline', description: "Vertex AI's API on the local tuning server: no Google account, trains the small local model", backend: 'vertex' as const, onLocalServer: true },
        ].map((item) => {
          const current = item.backend === connection.kind && (item.backend !== 'vertex' || item.onLocalServer === settings.vertexOnLocalServer);
          return { ...item, picked: current, detail: current ? 'current' : undefined };
        }),
        { title: 'Gemini Tuning: Backend', placeHolder: 'Where tuned models are created and listed' },
      );
      kind = picked?.backend;
      if (picked && 'onLocalServer' in picked) onLocalServer = picked.onLocalServer === true;
    }
    if (!kind) return undefined;
    if (kind === 'vertex' && onLocalServer !== settings.vertexOnLocalServer) await settings.setVertexOnLocalServer(onLocalServer);
    if (kind === 'vertex' && onLocalServer && !settings.vertexProject) await settings.setVertexProject(LOCAL_TWIN_PROJECT);
    if (kind === 'vertex' && !settings.vertexProject) {
      const project = await askForVertexProject(prompts, deps.env ?? process.env);
      if (!project) return undefined;
      await settings.setVertexProject(project);
    }
    if (kind !== settings.backend) {
      await settings.setBackend(kind);
      log.info(`backend switched to ${kind}`);
    }
    return kind;
  };
}
