import { type Log } from '../../../core/util/log';
import { type Prompts } from '../../ui/prompts';
import { type BackendConnection } from '../connection';
import { type BackendKind, type Settings } from '../settings';

export interface SwitchBackendDeps {
  readonly connection: Pick<BackendConnection, 'kind'>;
  readonly settings: Pick<Settings, 'backend' | 'setBackend'>;
  readonly prompts: Prompts;
  readonly log: Log;
}

/** "Switch Backend": to the backend given, or to the one the person picks; the connection follows the setting. */
export function switchBackend(deps: SwitchBackendDeps): (target?: unknown) => Promise<BackendKind | undefined> {
  const { connection, settings, prompts, log } = deps;
  return async (target) => {
    let kind: BackendKind | undefined = target === 'local' || target === 'gemini' ? target : undefined;
    if (!kind) {
      const picked = await prompts.pick(
        [
          { label: '$(server-process) Local tuning server', description: 'trains a small local model', backend: 'local' as const },
          { label: '$(cloud) Gemini API', description: 'needs an API key', backend: 'gemini' as const },
        ].map((item) => ({ ...item, picked: item.backend === connection.kind, detail: item.backend === connection.kind ? 'current' : undefined })),
        { title: 'Gemini Tuning: Backend', placeHolder: 'Where tuned models are created and listed' },
      );
      kind = picked?.backend;
    }
    if (!kind) return undefined;
    if (kind !== settings.backend) {
      await settings.setBackend(kind);
      log.info(`backend switched to ${kind}`);
    }
    return kind;
  };
}
