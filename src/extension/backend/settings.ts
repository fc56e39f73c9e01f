import * as vscode from 'vscode';

export const SECTION = 'geminiTuning';

export const enum SettingKey {
  Backend = 'backend',
  BaseUrl = 'baseUrl',
  VertexProject = 'vertex.project',
  VertexLocation = 'vertex.location',
  VertexStagingBucket = 'vertex.stagingBucket',
  VertexEndpoint = 'vertex.endpoint',
  PollingInitialDelayMs = 'polling.initialDelayMs',
  PollingMaxDelayMs = 'polling.maxDelayMs',
  PollingUnfocusedDelayMs = 'polling.unfocusedDelayMs',
}

export type BackendKind = 'local' | 'gemini' | 'vertex';

export const GEMINI_API_BASE_URL = 'https://generativelanguage.googleapis.com';
export const DEFAULT_VERTEX_LOCATION = 'us-central1';

/** The Vertex AI host that serves `location` (as `vertexBaseUrl` in core/vertex, which loads only with the backend). */
export function vertexRegionalBaseUrl(location: string): string {
  if (location === 'global') return 'https://aiplatform.googleapis.com';
  if (location === 'us' || location === 'eu') return `https://aiplatform.${location}.rep.googleapis.com`;
  return `https://${location}-aiplatform.googleapis.com`;
}

export interface PollingSettings {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly unfocusedDelayMs: number;
}

export interface ProxySettings {
  readonly url?: string;
  readonly strictSSL: boolean;
  readonly noProxy: string[];
}

/** Typed reads of the extension's settings; every reaction to a change is guarded by `affects`. */
export class Settings {
  get backend(): BackendKind {
    const value = config().get<string>(SettingKey.Backend);
    return value === 'gemini' || value === 'vertex' ? value : 'local';
  }

  setBackend(kind: BackendKind): Thenable<void> {
    const inspected = config().inspect<string>(SettingKey.Backend);
    // Write where the effective value comes from, so that the switch really takes effect.
    const target =
      inspected?.workspaceFolderValue !== undefined
        ? vscode.ConfigurationTarget.WorkspaceFolder
        : inspected?.workspaceValue !== undefined
          ? vscode.ConfigurationTarget.Workspace
          : vscode.ConfigurationTarget.Global;
    return config().update(SettingKey.Backend, kind, target);
  }

  /**
   * The endpoint override, or undefined for the backend's default. A workspace cannot redirect
   * requests (and the key that goes with them) in Restricted Mode, so only the user's own value
   * counts there.
   */
  get baseUrl(): string | undefined {
    return trustedValue(SettingKey.BaseUrl)?.replace(/\/+$/, '') || undefined;
  }

  /**
   * The Google Cloud project of the Vertex AI backend. It decides where jobs are created with the
   * person's credentials, so, like `baseUrl`, a workspace cannot set it in Restricted Mode.
   */
  get vertexProject(): string | undefined {
    return trustedValue(SettingKey.VertexProject);
  }

  setVertexProject(project: string): Thenable<void> {
    return config().update(SettingKey.VertexProject, project, vscode.ConfigurationTarget.Global);
  }

  get vertexLocation(): string {
    return config().get<string>(SettingKey.VertexLocation)?.trim() || DEFAULT_VERTEX_LOCATION;
  }

  /** Where training data is uploaded; a workspace cannot send it elsewhere in Restricted Mode. */
  get vertexStagingBucket(): string | undefined {
    return trustedValue(SettingKey.VertexStagingBucket)?.replace(/^gs:\/\//, '').replace(/\/+$/, '') || undefined;
  }

  /**
   * Whether the Vertex AI backend talks to the local tuning server's offline twin of Vertex AI
   * instead of Google: no account, and jobs train the local model.
   */
  get vertexOnLocalServer(): boolean {
    return config().get<string>(SettingKey.VertexEndpoint) === 'localServer';
  }

  setVertexOnLocalServer(onLocalServer: boolean): Thenable<void> {
    return config().update(SettingKey.VertexEndpoint, onLocalServer ? 'localServer' : undefined, vscode.ConfigurationTarget.Global);
  }

  /** True when a workspace value for `baseUrl` exists but is being ignored in Restricted Mode. */
  get baseUrlIgnoredByTrust(): boolean {
    if (vscode.workspace.isTrusted) return false;
    const inspected = config().inspect<string>(SettingKey.BaseUrl);
    return Boolean(inspected?.workspaceValue?.trim() || inspected?.workspaceFolderValue?.trim());
  }

  get polling(): PollingSettings {
    const c = config();
    const initialDelayMs = clamp(c.get<number>(SettingKey.PollingInitialDelayMs, 5_000), 100, 600_000);
    return {
      initialDelayMs,
      maxDelayMs: Math.max(initialDelayMs, clamp(c.get<number>(SettingKey.PollingMaxDelayMs, 45_000), 100, 3_600_000)),
      unfocusedDelayMs: clamp(c.get<number>(SettingKey.PollingUnfocusedDelayMs, 60_000), 100, 3_600_000),
    };
  }

  get proxy(): ProxySettings {
    const http = vscode.workspace.getConfiguration('http');
    const url = http.get<string>('proxy')?.trim();
    return {
      url: url ? url : undefined,
      strictSSL: http.get<boolean>('proxyStrictSSL', true),
      noProxy: http.get<string[]>('noProxy', []),
    };
  }

  /** Fires when anything that changes where or how requests go has changed. */
  onDidChangeConnectionSettings(listener: () => void): vscode.Disposable {
    return vscode.Disposable.from(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (
          e.affectsConfiguration(`${SECTION}.${SettingKey.Backend}`) ||
          e.affectsConfiguration(`${SECTION}.${SettingKey.BaseUrl}`) ||
          e.affectsConfiguration(`${SECTION}.vertex`) ||
          e.affectsConfiguration('http.proxy') ||
          e.affectsConfiguration('http.proxyStrictSSL') ||
          e.affectsConfiguration('http.noProxy')
        ) {
          listener();
        }
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(listener),
    );
  }

  onDidChangePollingSettings(listener: () => void): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.polling`)) listener();
    });
  }
}

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

/** A setting that redirects requests or data: in Restricted Mode only the user's own value counts. */
function trustedValue(key: SettingKey): string | undefined {
  const inspected = config().inspect<string>(key);
  const value = vscode.workspace.isTrusted
    ? (inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue)
    : inspected?.globalValue;
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : min;
}
