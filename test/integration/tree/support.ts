// Shared by the tree and backend suites: a real local tuning server per suite (from dist/), a
// recording proxy in front of it, seeded data dirs, and scripted answers to the extension's prompts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Operation, TunedModel } from '../../../src/core/api/types';
import { LocalServerProcess } from '../../../src/core/backend/localServerProcess';
import type { ConfirmOptions, NotifyOptions, Prompts } from '../../../src/extension/ui/prompts';
import { nextEvent } from '../../../src/core/util/event';
import { silentLog } from '../../../src/core/util/log';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import type { ModelRecord } from '../../../src/server/records';
import type { GroupNode, ModelNode, TunedModelsNode } from '../../../src/extension/tree/provider';
import type { TunedModelsTreeTestHooks } from '../../../src/extension/testHooks';

export const EXTENSION_ID = 'gemini-tuning.gemini-tuning';

export async function activateExtension(): Promise<GeminiTuningApi & { extensionPath: string }> {
  const extension = vscode.extensions.getExtension<GeminiTuningApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed in the host`);
  const api = await extension.activate();
  return { ...api, extensionPath: extension.extensionPath };
}

export interface TestServer {
  readonly url: string;
  readonly dataDir: string;
  /** Stops the server, runs `whileStopped` on its data, and starts it again (on a new port: see `url`). */
  restart(whileStopped?: () => void): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `dist/server.js` on a fresh data dir, optionally seeded with models, as its own process. */
export async function startTestServer(
  extensionPath: string,
  options: { apiKey?: string; stepDelayMs?: number; seed?: ModelRecord[] } = {},
): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-tree-server-'));
  if (options.seed) writeRecords(dataDir, options.seed);
  const args = ['--quiet', '--step-delay-ms', String(options.stepDelayMs ?? 0)];
  if (options.apiKey) args.push('--api-key', options.apiKey);
  const output: string[] = [];
  const server = new LocalServerProcess({
    serverScript: path.join(extensionPath, 'dist', 'server.js'),
    dataDir,
    extraArgs: args,
    output: (line) => output.push(line),
    log: silentLog,
    maxConsecutiveFailures: 1,
  });
  const ready = async (): Promise<string> => {
    server.start();
    try {
      return await server.whenReady(60_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${output.join('\n')}`);
    }
  };
  let url = await ready();
  return {
    get url() {
      return url;
    },
    dataDir,
    restart: async (whileStopped) => {
      await server.stop();
      whileStopped?.();
      url = await ready();
    },
    stop: async () => {
      await server.stop();
      server.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A stored model as the local server keeps it: lets a suite start with thousands of models at once. */
export function modelRecord(id: string, state: 'ACTIVE' | 'FAILED', index: number): ModelRecord {
  const time = new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString();
  return {
    v: 1,
    id,
    displayName: `Seeded ${index}`,
    description: 'seeded for a test',
    baseModel: 'models/gemini-1.5-flash-001-tuning',
    temperature: 1,
    topP: 0.95,
    topK: 64,
    state,
    createTime: time,
    updateTime: time,
    startTime: time,
    completeTime: time,
    hyperparameters: { epochCount: 1, batchSize: 1, learningRate: 0.001 },
    learningRate: 0.001,
    snapshots: [{ step: 1, epoch: 1, meanLoss: 1.5, computeTime: time }],
    operationId: `op${index}`,
    totalSteps: 1,
    exampleCount: 1,
    seed: index,
    ...(state === 'FAILED' ? { error: { code: 13, message: 'seeded failure' } } : {}),
    // The local server's single user (LOCAL_USER_EMAIL in src/server/listFilter.ts) owns it, so that it is listed.
    permissions: [{ id: 'owner', granteeType: 'USER', emailAddress: 'local-user@localhost', role: 'OWNER' }],
    resumeCount: 0,
  };
}

function writeRecords(dataDir: string, records: readonly ModelRecord[]): void {
  for (const record of records) {
    const dir = path.join(dataDir, 'tunedModels', record.id);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(record));
  }
}

export { startRecordingProxy, type RecordedRequest } from '../../harness/recordingProxy';

const CONFIG = 'geminiTuning';

/**
 * Points the extension at a backend through its settings, as a person would, and waits until the
 * tree has loaded from it.
 */
export async function useBackend(api: GeminiTuningApi, kind: 'local' | 'gemini', baseUrl: string): Promise<void> {
  const config = vscode.workspace.getConfiguration(CONFIG);
  const sameKind = api.backend.kind === kind;
  const sameUrl = (config.inspect<string>('baseUrl')?.globalValue ?? '') === baseUrl;
  if (!sameKind || !sameUrl) {
    const changed = nextEvent(api.backend.onDidChange);
    if (!sameUrl) await config.update('baseUrl', baseUrl, vscode.ConfigurationTarget.Global);
    if (!sameKind) await config.update('backend', kind, vscode.ConfigurationTarget.Global);
    await changed;
    // A second setting change reconnects again; wait until the connection matches both.
    while (api.backend.kind !== kind || (baseUrl && api.backend.baseUrl !== baseUrl)) await nextEvent(api.backend.onDidChange);
  }
  await api.store.refresh();
}

export async function setPolling(initialDelayMs: number | undefined): Promise<void> {
  const config = vscode.workspace.getConfiguration(CONFIG);
  await config.update('polling.initialDelayMs', initialDelayMs, vscode.ConfigurationTarget.Global);
  await config.update('polling.maxDelayMs', initialDelayMs === undefined ? undefined : initialDelayMs * 2, vscode.ConfigurationTarget.Global);
}

export async function resetSettings(): Promise<void> {
  const config = vscode.workspace.getConfiguration(CONFIG);
  for (const key of ['backend', 'baseUrl', 'polling.initialDelayMs', 'polling.maxDelayMs']) {
    await config.update(key, undefined, vscode.ConfigurationTarget.Global);
  }
}

type Answer =
  | { kind: 'confirm'; answer: boolean; expect?: (message: string, options: ConfirmOptions) => void }
  | { kind: 'input'; answer: string | undefined; expect?: (options: vscode.InputBoxOptions) => void }
  | { kind: 'pick'; choose: (items: readonly vscode.QuickPickItem[]) => vscode.QuickPickItem | undefined };

/** Answers the extension's prompts from a script, in order; an unexpected prompt fails the test. */
export class ScriptedPrompts implements Prompts {
  private readonly answers: Answer[] = [];
  readonly asked: string[] = [];

  confirmWith(answer: boolean, expect?: (message: string, options: ConfirmOptions) => void): this {
    this.answers.push({ kind: 'confirm', answer, expect });
    return this;
  }

  inputWith(answer: string | undefined, expect?: (options: vscode.InputBoxOptions) => void): this {
    this.answers.push({ kind: 'input', answer, expect });
    return this;
  }

  pickLabel(label: string | RegExp): this {
    this.answers.push({
      kind: 'pick',
      choose: (items) => {
        const item = items.find((i) => (typeof label === 'string' ? i.label === label : label.test(i.label)));
        if (!item) throw new Error(`no item ${label} among ${items.map((i) => i.label).join(' | ')}`);
        return item;
      },
    });
    return this;
  }

  cancelPick(): this {
    this.answers.push({ kind: 'pick', choose: () => undefined });
    return this;
  }

  /** Answers the next pick with what `choose` returns, after it has seen the items offered. */
  pickWith(choose: (items: readonly vscode.QuickPickItem[]) => vscode.QuickPickItem | undefined): this {
    this.answers.push({ kind: 'pick', choose });
    return this;
  }

  get remaining(): number {
    return this.answers.length;
  }

  async confirm(message: string, options: ConfirmOptions): Promise<boolean> {
    this.asked.push(`confirm: ${message}`);
    const next = this.take('confirm');
    next.expect?.(message, options);
    return next.answer;
  }

  async input(options: vscode.InputBoxOptions): Promise<string | undefined> {
    this.asked.push(`input: ${options.title ?? options.prompt}`);
    const next = this.take('input');
    next.expect?.(options);
    if (next.answer !== undefined && options.validateInput) {
      const problem = await options.validateInput(next.answer);
      const refused = typeof problem === 'string' || problem?.severity === vscode.InputBoxValidationSeverity.Error;
      if (problem && refused) throw new Error(`the input box refused ${JSON.stringify(next.answer)}: ${typeof problem === 'string' ? problem : problem.message}`);
    }
    return next.answer;
  }

  async pick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions): Promise<T | undefined> {
    this.asked.push(`pick: ${options.title ?? options.placeHolder}`);
    return this.take('pick').choose(items) as T | undefined;
  }

  private take<K extends Answer['kind']>(kind: K): Extract<Answer, { kind: K }> {
    const next = this.answers.shift();
    if (!next) throw new Error(`unexpected ${kind} prompt; asked so far: ${this.asked.join(' / ')}`);
    if (next.kind !== kind) throw new Error(`expected a ${next.kind} prompt, got ${kind}; asked so far: ${this.asked.join(' / ')}`);
    return next as Extract<Answer, { kind: K }>;
  }
}

/** The Tuned Models view's provider and tree view, from the hooks the extension fills in test mode. */
export function treeHooks(api: GeminiTuningApi): TunedModelsTreeTestHooks {
  const hooks = api.testHooks?.tunedModelsTree;
  if (!hooks) throw new Error('the extension exposes no tunedModelsTree test hooks: is the host running in ExtensionMode.Test?');
  return hooks;
}

/** The tree as a person sees it: group label → [count shown, item labels]. */
export function treeSnapshot(api: GeminiTuningApi): Map<string, { count: string; models: ModelNode[] }> {
  const provider = treeHooks(api).provider;
  const result = new Map<string, { count: string; models: ModelNode[] }>();
  for (const node of provider.getChildren() as TunedModelsNode[]) {
    const group = node as GroupNode;
    const item = provider.getTreeItem(group);
    result.set(String(item.label), { count: String(item.description), models: provider.getChildren(group) as ModelNode[] });
  }
  return result;
}

export function findItem(api: GeminiTuningApi, name: string): { group: string; item: vscode.TreeItem } | undefined {
  for (const [group, { models }] of treeSnapshot(api)) {
    const node = models.find((m) => m.name === name);
    if (node) return { group, item: treeHooks(api).provider.getTreeItem(node) };
  }
  return undefined;
}

/** Training examples small enough for the local model to learn in seconds. */
export const EXAMPLES = Array.from({ length: 20 }, (_, i) => ({ textInput: `${i} + 1`, output: `${i + 1}` }));

export function createRequest(displayName: string, epochCount = 5): TunedModel {
  return {
    displayName,
    baseModel: 'models/gemini-1.5-flash-001-tuning',
    tuningTask: { trainingData: { examples: { examples: EXAMPLES } }, hyperparameters: { epochCount, batchSize: 4 } },
  };
}

export function modelNameOf(op: Operation): string {
  const name = op.metadata?.tunedModel ?? op.name?.split('/operations/')[0];
  if (!name) throw new Error(`operation ${op.name} names no model`);
  return name;
}

/** Resolves when `predicate` holds, checked after every store change. */
export function whenStore(api: GeminiTuningApi, predicate: () => boolean, what: string, timeoutMs = 50_000): Promise<void> {
  if (predicate()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const subscription = api.store.onDidChange(() => {
      if (predicate()) {
        clearTimeout(timer);
        subscription.dispose();
        resolve();
      }
    });
  });
}

/** Resolves as `promise` does, or rejects naming `what` when it has not settled within `ms`. */
export function withinDeadline<T>(promise: PromiseLike<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not complete within ${ms / 1000} s`)), ms);
    Promise.resolve(promise).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export interface RecordedNotification {
  readonly message: string;
  readonly severity: NotifyOptions['severity'];
  readonly actions: readonly string[];
}

/**
 * Takes the extension's notifications in place of the window: records each one and answers with
 * the button `click` chooses. Any question (confirm, input, pick) fails the test.
 */
export class NotificationRecorder implements Prompts {
  readonly notifications: RecordedNotification[] = [];
  private readonly emitter = new vscode.EventEmitter<RecordedNotification>();

  constructor(private readonly click: (notification: RecordedNotification) => string | undefined = () => undefined) {}

  /** The first notification, seen or still to come, that `predicate` accepts. */
  next(predicate: (notification: RecordedNotification) => boolean): Promise<RecordedNotification> {
    const seen = this.notifications.find(predicate);
    return seen ? Promise.resolve(seen) : nextEvent(this.emitter.event, predicate);
  }

  async notify(message: string, options: NotifyOptions): Promise<string | undefined> {
    const notification = { message, severity: options.severity, actions: options.actions };
    this.notifications.push(notification);
    this.emitter.fire(notification);
    const choice = this.click(notification);
    if (choice !== undefined && !options.actions.includes(choice)) throw new Error(`no button "${choice}" on "${message}"`);
    return choice;
  }

  async confirm(message: string): Promise<boolean> {
    throw new Error(`unexpected confirm while recording notifications: ${message}`);
  }

  async input(options: vscode.InputBoxOptions): Promise<string | undefined> {
    throw new Error(`unexpected input while recording notifications: ${options.title ?? options.prompt}`);
  }

  async pick<T extends vscode.QuickPickItem>(_items: readonly T[], options: vscode.QuickPickOptions): Promise<T | undefined> {
    throw new Error(`unexpected pick while recording notifications: ${options.title ?? options.placeHolder}`);
  }
}

/** Resolves with the first tab, open now or opened later, that `predicate` accepts. */
export function whenTab(predicate: (tab: vscode.Tab) => boolean): Promise<vscode.Tab> {
  const find = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find(predicate);
  const open = find();
  if (open) return Promise.resolve(open);
  return new Promise((resolve) => {
    const subscription = vscode.window.tabGroups.onDidChangeTabs(() => {
      const tab = find();
      if (tab) {
        subscription.dispose();
        resolve(tab);
      }
    });
  });
}

export interface WindowMessage {
  readonly message: string;
  readonly items: readonly string[];
}

/**
 * Takes `vscode.window.showInformationMessage` in place of the window while installed: every
 * information message any code in this host shows lands in `messages` and is dismissed.
 */
export class InformationMessageSpy implements vscode.Disposable {
  readonly messages: WindowMessage[] = [];
  private readonly emitter = new vscode.EventEmitter<WindowMessage>();
  private readonly original = vscode.window.showInformationMessage;

  constructor() {
    const replacement = (message: string, ...rest: unknown[]): Thenable<undefined> => {
      const items = rest.filter((r): r is string => typeof r === 'string');
      // Notifications may carry zero-width spaces that keep names from becoming links.
      const seen = { message: message.replace(/\u200b/g, ''), items };
      this.messages.push(seen);
      this.emitter.fire(seen);
      return Promise.resolve(undefined);
    };
    (vscode.window as { showInformationMessage: unknown }).showInformationMessage = replacement;
    if (vscode.window.showInformationMessage !== replacement) throw new Error('vscode.window.showInformationMessage could not be replaced in this host');
  }

  /** The first message, seen or still to come, that `predicate` accepts. */
  next(predicate: (message: WindowMessage) => boolean): Promise<WindowMessage> {
    const seen = this.messages.find(predicate);
    return seen ? Promise.resolve(seen) : nextEvent(this.emitter.event, predicate);
  }

  dispose(): void {
    (vscode.window as { showInformationMessage: unknown }).showInformationMessage = this.original;
    this.emitter.dispose();
  }
}
