import type * as vscode from 'vscode';

/** Every secret the extension stores. Nothing else goes into SecretStorage. */
export type SecretKey = 'geminiTuning.apiKey';

export const API_KEY: SecretKey = 'geminiTuning.apiKey';

/** Environment variables read, in this order, when no key is stored. */
export const API_KEY_ENV_VARS = ['GEMINI_API_KEY', 'GOOGLE_API_KEY'] as const;

export type ApiKeySource = { kind: 'secretStorage' } | { kind: 'environment'; variable: string } | { kind: 'none' };

export class Secrets {
  readonly onDidChange: vscode.Event<SecretKey>;

  constructor(private readonly storage: vscode.SecretStorage) {
    this.onDidChange = (listener, thisArgs, disposables) =>
      storage.onDidChange(
        (e) => {
          if (isSecretKey(e.key)) listener.call(thisArgs, e.key);
        },
        undefined,
        disposables,
      );
  }

  get(key: SecretKey): Thenable<string | undefined> {
    return this.storage.get(key);
  }

  store(key: SecretKey, value: string): Thenable<void> {
    return this.storage.store(key, value);
  }

  delete(key: SecretKey): Thenable<void> {
    return this.storage.delete(key);
  }

  /** The API key to send and where it came from: SecretStorage first, then the environment. */
  async resolveApiKey(env: NodeJS.ProcessEnv = process.env): Promise<{ key: string | undefined; source: ApiKeySource }> {
    const stored = await this.get(API_KEY);
    if (stored) return { key: stored, source: { kind: 'secretStorage' } };
    for (const variable of API_KEY_ENV_VARS) {
      const value = env[variable]?.trim();
      if (value) return { key: value, source: { kind: 'environment', variable } };
    }
    return { key: undefined, source: { kind: 'none' } };
  }
}

function isSecretKey(key: string): key is SecretKey {
  return key === API_KEY;
}
