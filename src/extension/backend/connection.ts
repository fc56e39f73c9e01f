import * as path from 'node:path';
import type * as vscode from 'vscode';
import { GeminiClient } from '../../core/api/client';
import { isAbortError } from '../../core/api/errors';
import { Emitter } from '../../core/util/event';
import { DisposableBase } from '../../core/util/lifecycle';
import { describeError, type Log } from '../../core/util/log';
import { BackendUnavailableError, type BackendHealth, healthFromOutcome, MissingApiKeyError } from '../../core/backend/health';
import { LocalServerProcess, type LocalServerState } from '../../core/backend/localServerProcess';
import { type ApiKeySource, type Secrets } from './secrets';
import { type BackendKind, GEMINI_API_BASE_URL, type Settings, vertexRegionalBaseUrl } from './settings';
import type { VertexBackend } from '../../core/tuning/vertexBackend';
import type { VertexSnippetAuth } from '../../core/tunedModels/snippets';
import type { VertexConnection } from './vertexConnection';

/** Set by `npm start` and the test host: use this running local server instead of starting one. */
export const LOCAL_SERVER_URL_ENV = 'GEMINI_TUNING_LOCAL_SERVER_URL';

export interface BackendConnectionDeps {
  /** `context.globalStorageUri.fsPath`: the local server keeps its data in `<it>/server`. */
  readonly globalStoragePath: string;
  /** `context.extensionPath`: the server is `<it>/dist/server.js`. */
  readonly extensionPath: string;
  readonly settings: Settings;
  readonly secrets: Secrets;
  readonly log: Log;
  /** Receives the local server's own output. */
  readonly serverOutput: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

interface ClientEntry {
  readonly client: GeminiClient;
  readonly baseUrl: string;
}

/**
 * The connection to the current backend: the local tuning server (started here as a child
 * process unless a URL is given) or the Gemini API with a key. It hands out a client for the
 * current settings, replaces it when they change, and tracks the backend's health.
 */
export class BackendConnection extends DisposableBase implements vscode.Disposable {
  private readonly changeEmitter = this._register(new Emitter<void>());
  private readonly healthEmitter = this._register(new Emitter<BackendHealth>());

  /** The client was replaced: backend switched, key changed, server restarted. */
  readonly onDidChange: vscode.Event<void> = this.changeEmitter.event;
  readonly onDidChangeHealth: vscode.Event<BackendHealth> = this.healthEmitter.event;

  private _kind: BackendKind;
  private entry: Promise<ClientEntry> | undefined;
  private resolvedBaseUrl: string | undefined;
  private _health: BackendHealth = { kind: 'unknown' };
  private _apiKeySource: ApiKeySource = { kind: 'none' };
  private localServer: LocalServerProcess | undefined;
  private vertex: Promise<VertexConnection> | undefined;
  /** The key the current client sends, to tell a real change from a repeated event. */
  private keyInUse: string | undefined;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly deps: BackendConnectionDeps) {
    super();
    this.env = deps.env ?? process.env;
    this._kind = deps.settings.backend;
    this._register(deps.settings.onDidChangeConnectionSettings(() => this.reconnect('settings changed')));
    this._register(
      deps.secrets.onDidChange((key) => {
        if (key === 'geminiTuning.apiKey') void this.refreshCredentials();
      }),
    );
    this._register({ dispose: () => void this.closeClient() });
    if (this.runsLocalServer) this.ensureLocalServer().start();
  }

  get kind(): BackendKind {
    return this._kind;
  }

  /** The endpoint requests go to; undefined while the local server is starting. */
  get baseUrl(): string | undefined {
    if (this._kind === 'gemini') return this.deps.settings.baseUrl ?? GEMINI_API_BASE_URL;
    if (this._kind === 'vertex' && !this.vertexOnLocalServer) return this.deps.settings.baseUrl ?? vertexRegionalBaseUrl(this.deps.settings.vertexLocation);
    return this.localUrlOverride() ?? this.localServer?.url ?? this.resolvedBaseUrl;
  }

  get health(): BackendHealth {
    return this._health;
  }

  /** Where the key sent to the Gemini backend comes from; the key itself is never exposed. */
  get apiKeySource(): ApiKeySource {
    return this._apiKeySource;
  }

  /** The local server child process state, when this window runs one. */
  get localServerState(): LocalServerState | undefined {
    return this.localServer?.state;
  }

  /** Whether requests go to a local server this window started (rather than a given URL). */
  get runsLocalServer(): boolean {
    return (this._kind === 'local' || this.vertexOnLocalServer) && !this.localUrlOverride();
  }

  /** The Vertex AI backend on the local server's offline twin (`geminiTuning.vertex.endpoint`), unless `baseUrl` names an endpoint. */
  private get vertexOnLocalServer(): boolean {
    return this._kind === 'vertex' && this.deps.settings.vertexOnLocalServer && !this.deps.settings.baseUrl;
  }

  /**
   * A client for the current backend. Waits for the local server to be ready; rejects with a
   * message for people when there is no backend to talk to (no key, server failed to start).
   */
  getClient(): Promise<GeminiClient> {
    if (this.isDisposed) return Promise.reject(new BackendUnavailableError('The extension is shutting down.'));
    if (this._kind === 'vertex') {
      // Not a health problem: the backend is fine, this feature just does not speak to it yet.
      return Promise.reject(
        new BackendUnavailableError('The Vertex AI backend lists and cancels tuning jobs in the Tuned Models view; this feature needs the local tuning server or the Gemini API. Run "Gemini Tuning: Switch Backend" to use one of them.'),
      );
    }
    if (!this.entry) {
      const entry = this.createClient();
      this.entry = entry;
      entry.catch((error) => {
        // Next call tries again (the key may have been set, the server restarted).
        if (this.entry !== entry) return;
        this.entry = undefined;
        this.reportOutcome(error);
      });
    }
    return this.entry.then((e) => e.client);
  }

  /**
   * The Vertex AI backend, when it is the current one. Its modules (and google-auth-library, at
   * the first token) load here, not at activation. Rejects with what to set when the project is missing.
   */
  async getVertexBackend(): Promise<VertexBackend> {
    if (this.isDisposed) throw new BackendUnavailableError('The extension is shutting down.');
    if (this._kind !== 'vertex') throw new BackendUnavailableError('The current backend is not Vertex AI. Run "Gemini Tuning: Switch Backend" to use it.');
    if (!this.vertex) {
      const opening = this.openVertex();
      this.vertex = opening;
      opening.catch(() => {
        if (this.vertex === opening) this.vertex = undefined;
      });
    }
    return (await this.vertex).backend;
  }

  /**
   * Where a copied Vertex AI snippet sends its request, and how it signs in there: Google
   * credentials for Vertex AI itself; at a local server's twin, its API key (from the environment)
   * when the extension has one, else nothing.
   */
  async vertexSnippetTarget(): Promise<{ baseUrl: string; auth: VertexSnippetAuth }> {
    // Opening settles the address of the local server the offline twin runs on.
    await this.getVertexBackend();
    const baseUrl = this.baseUrl ?? vertexRegionalBaseUrl(this.deps.settings.vertexLocation);
    if (!this.isLocalServerUrl(baseUrl)) return { baseUrl, auth: { kind: 'googleCredentials' } };
    const { key } = await this.deps.secrets.resolveApiKey(this.env);
    return { baseUrl, auth: { kind: 'localServer', withKey: key !== undefined } };
  }

  /** The neutral listing of the current backend, for the store: Vertex AI's jobs; undefined for the Gemini API's wire listing. */
  neutralListing(): Promise<VertexBackend> | undefined {
    return this._kind === 'vertex' ? this.getVertexBackend() : undefined;
  }

  /** Feeds the result of any request into the health shown to the user. */
  reportOutcome(error: unknown): void {
    if (error !== undefined && isAbortError(error)) return;
    this.setHealth(healthFromOutcome(error));
  }

  /** Makes one cheap request to learn whether the backend answers and accepts the credentials. */
  async checkHealth(): Promise<BackendHealth> {
    try {
      if (this._kind === 'vertex') {
        const jobs = (await this.getVertexBackend()).listModels();
        await jobs.next();
        await jobs.return(undefined);
      } else {
        const client = await this.getClient();
        await client.models.list({ pageSize: 1 });
      }
      this.reportOutcome(undefined);
    } catch (error) {
      this.deps.log.warn(`health check failed: ${describeError(error)}`);
      this.reportOutcome(error);
    }
    return this._health;
  }

  /**
   * Re-reads the API key (after Set or Clear API Key) and reconnects when it changed; resolves
   * with the health the backend shows with the new key.
   */
  async refreshCredentials(): Promise<BackendHealth> {
    if (this._kind !== 'gemini') return this._health;
    const resolved = await this.deps.secrets.resolveApiKey(this.env);
    if (resolved.key === this.keyInUse && resolved.source.kind === this._apiKeySource.kind && this._health.kind !== 'unknown') {
      return this._health;
    }
    this.keyInUse = resolved.key;
    this._apiKeySource = resolved.source;
    this.reconnect('API key changed');
    return this.checkHealth();
  }

  /** Retry after a failure: restarts the local server if it gave up, and rebuilds the client. */
  async retry(): Promise<BackendHealth> {
    if (this.runsLocalServer) {
      const server = this.ensureLocalServer();
      if (server.state.kind === 'failed' || server.state.kind === 'stopped') await server.restart();
    }
    this.reconnect('retry');
    return this.checkHealth();
  }

  /** Stops and restarts the local server this window runs. */
  async restartLocalServer(): Promise<void> {
    if (!this.runsLocalServer) return;
    await this.ensureLocalServer().restart();
  }

  override dispose(): void {
    const server = this.localServer;
    this.localServer = undefined;
    server?.dispose();
    super.dispose();
  }

  private localUrlOverride(): string | undefined {
    const fromEnv = this.env[LOCAL_SERVER_URL_ENV]?.trim();
    return fromEnv ? fromEnv.replace(/\/+$/, '') : this.deps.settings.baseUrl;
  }

  private ensureLocalServer(): LocalServerProcess {
    if (!this.localServer) {
      const server = new LocalServerProcess({
        serverScript: path.join(this.deps.extensionPath, 'dist', 'server.js'),
        dataDir: path.join(this.deps.globalStoragePath, 'server'),
        output: this.deps.serverOutput,
        log: this.deps.log,
      });
      server.onDidChangeState((state) => this.onLocalServerState(state));
      this.localServer = server;
    }
    return this.localServer;
  }

  private onLocalServerState(state: LocalServerState): void {
    if (this.isDisposed || !this.runsLocalServer) return;
    switch (state.kind) {
      case 'starting':
        if (this._health.kind !== 'connected') this.setHealth({ kind: 'starting' });
        break;
      case 'restarting':
        this.setHealth({ kind: 'unreachable', message: `${state.reason} Restarting in ${Math.round(state.delayMs / 100) / 10} s.` });
        break;
      case 'failed':
        this.setHealth({ kind: 'unreachable', message: state.reason });
        break;
      case 'running':
        if (this.resolvedBaseUrl && this.resolvedBaseUrl !== state.url) {
          this.reconnect('local server restarted');
        } else {
          void this.checkHealth();
        }
        break;
      case 'stopped':
        break;
    }
  }

  /** Whether `url` is a local tuning server, whose Vertex AI twin takes its own token rather than Google credentials. */
  private isLocalServerUrl(url: string): boolean {
    if (url === this.env[LOCAL_SERVER_URL_ENV]?.trim().replace(/\/+$/, '')) return true;
    try {
      const host = new URL(url).hostname;
      return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
    } catch {
      return false;
    }
  }

  private async openVertex(): Promise<VertexConnection> {
    const settings = this.deps.settings;
    const project = settings.vertexProject;
    if (!project) {
      throw new BackendUnavailableError('No Google Cloud project is set for Vertex AI. Run "Gemini Tuning: Switch Backend" and pick Vertex AI, or set geminiTuning.vertex.project.');
    }
    const baseUrl = this.vertexOnLocalServer ? await this.localServerUrl() : settings.baseUrl;
    if (this.vertexOnLocalServer) this.resolvedBaseUrl = baseUrl;
    // The local server's twin accepts the token given to it (by default its API key), or any token when it has none.
    const localServerToken = baseUrl && this.isLocalServerUrl(baseUrl) ? ((await this.deps.secrets.resolveApiKey(this.env)).key ?? 'local-tuning-server') : undefined;
    const { openVertexConnection } = await import('./vertexConnection.js');
    const log = this.deps.log;
    const opened = openVertexConnection({
      project,
      location: settings.vertexLocation,
      baseUrl,
      stagingBucket: settings.vertexStagingBucket,
      localServerToken,
      onLocalServer: this.vertexOnLocalServer,
      proxy: settings.proxy,
      env: this.env,
      log: (line) => log.trace(line),
    });
    log.info(`connected to Vertex AI at ${baseUrl ?? vertexRegionalBaseUrl(settings.vertexLocation)} for ${project} in ${settings.vertexLocation}${localServerToken !== undefined ? ' with the local server token' : ' with Application Default Credentials'}`);
    return opened;
  }

  /** The URL of the local server in use: the one given, or the one this window runs, once it is ready. */
  private async localServerUrl(): Promise<string> {
    const override = this.localUrlOverride();
    if (override) return override;
    if (this._health.kind === 'unknown') this.setHealth({ kind: 'starting' });
    const server = this.ensureLocalServer();
    server.start();
    try {
      return await server.whenReady();
    } catch (error) {
      throw new BackendUnavailableError(error instanceof Error ? error.message : String(error));
    }
  }

  private async createClient(): Promise<ClientEntry> {
    const kind = this._kind;
    let baseUrl: string;
    let apiKey: string | undefined;
    if (kind === 'gemini') {
      baseUrl = this.deps.settings.baseUrl ?? GEMINI_API_BASE_URL;
      const resolved = await this.deps.secrets.resolveApiKey(this.env);
      this._apiKeySource = resolved.source;
      this.keyInUse = resolved.key;
      if (!resolved.key) throw new MissingApiKeyError();
      apiKey = resolved.key;
    } else {
      baseUrl = await this.localServerUrl();
    }
    if (kind !== this._kind) throw new BackendUnavailableError('The backend changed while connecting.');
    const log = this.deps.log;
    const client = new GeminiClient({
      baseUrl,
      apiKey,
      proxy: this.deps.settings.proxy,
      log: (line) => log.trace(line),
    });
    this.resolvedBaseUrl = baseUrl;
    log.info(`connected to the ${kind === 'local' ? 'local server' : 'Gemini API'} at ${baseUrl}${describeKeySource(kind, this._apiKeySource)}`);
    return { client, baseUrl };
  }

  private reconnect(reason: string): void {
    if (this.isDisposed) return;
    const previousKind = this._kind;
    this._kind = this.deps.settings.backend;
    this.deps.log.info(`reconnecting: ${reason}`);
    void this.closeClient();
    this.resolvedBaseUrl = undefined;
    if (this._kind !== previousKind) this._apiKeySource = { kind: 'none' };
    if (this.runsLocalServer) {
      this.ensureLocalServer().start();
    } else if (this.localServer) {
      // Keep nothing running that no one uses.
      const server = this.localServer;
      this.localServer = undefined;
      server.dispose();
    }
    this.setHealth({ kind: 'unknown' });
    this.changeEmitter.fire();
    if (reason !== 'API key changed') void this.checkHealth();
  }

  private async closeClient(): Promise<void> {
    const vertex = this.vertex;
    this.vertex = undefined;
    if (vertex) void vertex.then((v) => v.close(), () => undefined);
    const entry = this.entry;
    this.entry = undefined;
    if (!entry) return;
    try {
      await (await entry).client.close();
    } catch {
      // A client that never connected has nothing to close.
    }
  }

  private setHealth(health: BackendHealth): void {
    const previous = this._health;
    if (previous.kind === health.kind && ('message' in previous ? previous.message : '') === ('message' in health ? health.message : '')) return;
    this._health = health;
    this.deps.log.info(`backend health: ${health.kind}${'message' in health ? ` (${health.message})` : ''}`);
    this.healthEmitter.fire(health);
  }
}

function describeKeySource(kind: BackendKind, source: ApiKeySource): string {
  if (kind !== 'gemini') return '';
  switch (source.kind) {
    case 'secretStorage':
      return ' with the API key from SecretStorage';
    case 'environment':
      return ` with the API key from $${source.variable}`;
    case 'none':
      return ' without an API key';
  }
}
