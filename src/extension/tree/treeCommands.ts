import * as path from 'node:path';
import * as vscode from 'vscode';
import { type GeminiClient } from '../../core/api/client';
import { ApiError } from '../../core/api/errors';
import { type Permission, type Role, type TunedModel } from '../../core/api/types';
import { type BackendConnection } from '../backend/connection';
import { showError } from '../ui/notify';
import { type Prompts } from '../ui/prompts';
import { GEMINI_API_BASE_URL } from '../backend/settings';
import { type Log } from '../../core/util/log';
import { modelDetailsUri } from './details';
import { buildPatch, EDITABLE_FIELDS, type EditableField, type ModelEdits, parseFieldInput } from '../../core/tunedModels/edits';
import { modelId, modelLabel } from '../../core/tunedModels/presentation';
import { type ModelNode, type TunedModelsTreeProvider } from './provider';
import { curlSnippet, tuneAgainSpec, typeScriptSnippet } from '../../core/tunedModels/snippets';
import { type TunedModelsStore } from '../tunedModelsStore';

export const TreeCommands = {
  refresh: 'geminiTuning.refreshModels',
  filter: 'geminiTuning.filterModels',
  clearFilter: 'geminiTuning.clearFilter',
  reveal: 'geminiTuning.revealModel',
  copyName: 'geminiTuning.copyModelName',
  copyCurl: 'geminiTuning.copyModelAsCurl',
  copyTypeScript: 'geminiTuning.copyModelAsTypeScript',
  rename: 'geminiTuning.renameModel',
  edit: 'geminiTuning.editModel',
  delete: 'geminiTuning.deleteModel',
  share: 'geminiTuning.shareModel',
  details: 'geminiTuning.showModelDetails',
  tuneAgain: 'geminiTuning.tuneAgain',
} as const;

export interface TreeCommandDeps {
  readonly connection: BackendConnection;
  readonly store: TunedModelsStore;
  readonly provider: TunedModelsTreeProvider;
  readonly treeView: vscode.TreeView<unknown>;
  readonly prompts: Prompts;
  readonly log: Log;
  readonly logChannel: vscode.LogOutputChannel;
}

/** What tree commands accept: a tree node, a model, a model's resource name, or nothing (the selection). */
export type ModelArgument = ModelNode | TunedModel | string | undefined;

export function registerTreeCommands(deps: TreeCommandDeps): vscode.Disposable {
  const { connection, store, prompts, log } = deps;
  const errorLog = { ...log, show: (preserveFocus?: boolean) => deps.logChannel.show(preserveFocus) };

  /** Resolves the model a command acts on; asks for one when called from the palette. */
  const resolveModel = async (arg: ModelArgument, title: string): Promise<(TunedModel & { name: string }) | undefined> => {
    let name: string | undefined;
    if (typeof arg === 'string') name = arg;
    else if (arg && typeof arg === 'object' && 'name' in arg && typeof arg.name === 'string') name = arg.name;
    if (!name) {
      const selected = deps.treeView.selection[0] as ModelNode | undefined;
      if (selected && (selected as { kind?: string }).kind === 'model') name = selected.name;
    }
    if (!name) {
      if (!store.loaded) await store.refresh();
      const picked = await prompts.pick(
        store.models.filter((m) => m.name).map((m) => ({ label: modelLabel(m), description: m.name, name: m.name! })),
        { title, placeHolder: 'Choose a tuned model', matchOnDescription: true },
      );
      name = picked?.name;
    }
    if (!name) return undefined;
    const known = store.get(name);
    if (known) return { ...known, name };
    try {
      const client = await connection.getClient();
      const fetched = await client.tunedModels.get(name);
      return { ...fetched, name };
    } catch (error) {
      showError(errorLog, `Could not find ${name}`, error);
      return undefined;
    }
  };

  /** Runs a command body; failures become a short message with "Show Log". */
  const guarded =
    <A extends unknown[], R>(what: string, body: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R | undefined> => {
      try {
        return await body(...args);
      } catch (error) {
        showError(errorLog, what, error);
        return undefined;
      }
    };

  const client = (): Promise<GeminiClient> => connection.getClient();

  const copy = async (text: string, what: string): Promise<string> => {
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`$(copy) Copied ${what}`, 3000);
    return text;
  };

  const refresh = guarded('Could not refresh the tuned models', async () => {
    await store.refresh();
    if (store.status.kind === 'error') throw store.status.error;
  });

  const filter = guarded('The filter was not applied', async (value?: unknown) => {
    let next = typeof value === 'string' ? value : undefined;
    if (next === undefined) {
      next = await prompts.input({
        title: 'Filter Tuned Models',
        prompt: 'Words from the display name or description, owner:me, or readers:everyone. Empty clears the filter.',
        value: store.filter,
        placeHolder: 'e.g. translator   or   owner:me   or   readers:everyone',
      });
    }
    if (next === undefined) return store.filter;
    const previous = store.filter;
    await store.setFilter(next);
    if (store.status.kind === 'error' && store.status.error instanceof ApiError && store.status.error.httpStatus === 400) {
      // A filter the API refuses would leave an empty view; keep the one that worked and say why.
      const refused = store.status.error;
      await store.setFilter(previous);
      throw refused;
    }
    return store.filter;
  });

  const reveal = guarded('Could not show the model', async (name: unknown) => {
    if (typeof name !== 'string') return false;
    if (!store.get(name)) await store.refresh();
    const node = deps.provider.nodeFor(name);
    if (!node) return false;
    await deps.treeView.reveal(node, { select: true, focus: false, expand: true });
    return true;
  });

  const copyName = guarded('Could not copy the name', async (arg?: ModelArgument, selection?: unknown) => {
    const several = selectedModels(arg, selection);
    if (several.length > 1) return copy(several.join('\n'), `${several.length} names`);
    const model = await resolveModel(arg, 'Copy Name');
    return model ? copy(model.name, model.name) : undefined;
  });

  const copyCurl = guarded('Could not copy the curl command', async (arg?: ModelArgument) => {
    const model = await resolveModel(arg, 'Copy as curl');
    if (!model) return undefined;
    await client();
    const baseUrl = connection.baseUrl ?? GEMINI_API_BASE_URL;
    return copy(curlSnippet(model, baseUrl, { withKey: connection.kind === 'gemini' }), 'a curl command');
  });

  const copyTypeScript = guarded('Could not copy the TypeScript snippet', async (arg?: ModelArgument) => {
    const model = await resolveModel(arg, 'Copy as TypeScript');
    if (!model) return undefined;
    await client();
    const baseUrl = connection.baseUrl ?? GEMINI_API_BASE_URL;
    const snippet = typeScriptSnippet(model, baseUrl, { defaultBaseUrl: baseUrl === GEMINI_API_BASE_URL, withKey: connection.kind === 'gemini' });
    return copy(snippet, 'a TypeScript snippet');
  });

  const applyEdits = async (model: TunedModel & { name: string }, edits: ModelEdits): Promise<TunedModel | undefined> => {
    const patch = buildPatch(model, edits);
    if (!patch) return model;
    log.info(`patching ${model.name} with updateMask ${patch.updateMask.join(',')}`);
    const updated = await (await client()).tunedModels.patch(patch.model, patch.updateMask);
    store.upsert(updated);
    return updated;
  };

  const askField = async (model: TunedModel, field: EditableField, current: unknown): Promise<{ value: unknown } | undefined> => {
    const input = await prompts.input({
      title: `${fieldLabel(field)} of ${modelLabel(model)}`,
      prompt: fieldPrompt(field),
      value: current === undefined ? '' : String(current),
      validateInput: (text) => {
        const parsed = parseFieldInput(field, text);
        return 'error' in parsed ? parsed.error : undefined;
      },
    });
    if (input === undefined) return undefined;
    const parsed = parseFieldInput(field, input);
    if ('error' in parsed) throw new Error(parsed.error);
    return { value: parsed.value };
  };

  const rename = guarded('Could not rename the model', async (arg?: ModelArgument) => {
    const model = await resolveModel(arg, 'Rename Tuned Model');
    if (!model) return undefined;
    const answer = await askField(model, 'displayName', model.displayName);
    if (!answer) return undefined;
    return applyEdits(model, { displayName: answer.value as string });
  });

  const edit = guarded('Could not edit the model', async (arg?: ModelArgument) => {
    const model = await resolveModel(arg, 'Edit Tuned Model');
    if (!model) return undefined;
    const edits: ModelEdits = {};
    type FieldItem = vscode.QuickPickItem & { field?: EditableField; save?: boolean };
    for (;;) {
      const pending = buildPatch(model, edits);
      const items: FieldItem[] = EDITABLE_FIELDS.map((field) => {
        const value = field in edits ? edits[field] : model[field];
        return {
          label: fieldLabel(field),
          description: value === undefined || value === '' ? '(not set)' : String(value),
          detail: field in edits && pending?.updateMask.includes(field) ? 'changed' : undefined,
          field,
        };
      });
      items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
      items.push({
        label: pending ? `$(check) Save ${pending.updateMask.length} change${pending.updateMask.length === 1 ? '' : 's'}` : '$(close) Close',
        save: true,
      });
      const picked = await prompts.pick(items, { title: `Edit ${modelLabel(model)}`, placeHolder: 'Choose a field to change, then Save' });
      if (!picked) return undefined;
      if (picked.save) return pending ? applyEdits(model, edits) : model;
      if (!picked.field) continue;
      const answer = await askField(model, picked.field, picked.field in edits ? edits[picked.field] : model[picked.field]);
      if (answer) (edits as Record<string, unknown>)[picked.field] = answer.value;
    }
  });

  const deleteModel = guarded('Could not delete the model', async (arg?: ModelArgument, selection?: unknown) => {
    const where = connection.kind === 'local' ? 'the local server' : 'the Gemini API';
    const several = selectedModels(arg, selection);
    if (several.length > 1) return deleteModels(several, where);
    const model = await resolveModel(arg, 'Delete Tuned Model');
    if (!model) return false;
    const label = modelLabel(model);
    const confirmed = await prompts.confirm(`Delete the tuned model "${label}"?`, {
      detail: `${model.name} will be deleted from ${where}. This cannot be undone.`,
      confirmLabel: 'Delete',
    });
    if (!confirmed) return false;
    await (await client()).tunedModels.delete(model.name);
    log.info(`deleted ${model.name}`);
    store.remove(model.name);
    void store.refresh();
    return true;
  });

  /** Deletes the models selected together in the tree, after one confirmation that names them all. */
  const deleteModels = async (names: readonly string[], where: string): Promise<boolean> => {
    const labels = names.map((name) => {
      const model = store.get(name);
      return model ? `"${modelLabel(model)}" (${name})` : name;
    });
    const shown = labels.length > 10 ? [...labels.slice(0, 10), `and ${labels.length - 10} more`] : labels;
    const confirmed = await prompts.confirm(`Delete ${names.length} tuned models?`, {
      detail: `${shown.join('\n')}\n\nThey will be deleted from ${where}. This cannot be undone.`,
      confirmLabel: `Delete ${names.length} Models`,
    });
    if (!confirmed) return false;
    const api = await client();
    const failures: unknown[] = [];
    for (const name of names) {
      try {
        await api.tunedModels.delete(name);
        log.info(`deleted ${name}`);
        store.remove(name);
      } catch (error) {
        failures.push(error);
        log.error(`could not delete ${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    void store.refresh();
    if (failures.length) throw new Error(`${failures.length} of ${names.length} models were not deleted. ${failures[0] instanceof Error ? failures[0].message : String(failures[0])}`);
    return true;
  };

  const showDetails = guarded('Could not show the model details', async (arg?: ModelArgument) => {
    const model = await resolveModel(arg, 'Show Model Details');
    if (!model) return undefined;
    const document = await vscode.workspace.openTextDocument(modelDetailsUri(model.name));
    if (document.languageId !== 'json') await vscode.languages.setTextDocumentLanguage(document, 'json');
    await vscode.window.showTextDocument(document, { preview: true });
    return document.uri;
  });

  const tuneAgain = guarded('Could not create the spec', async (arg?: ModelArgument) => {
    const model = await resolveModel(arg, 'Tune Again from This Model');
    if (!model) return undefined;
    const uri = await untitledSpecUri(`${modelId(model.name)}-again`);
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document);
    await editor.edit((builder) => builder.insert(new vscode.Position(0, 0), tuneAgainSpec(model)));
    return document.uri;
  });

  const share = guarded('Could not change sharing', async (arg?: ModelArgument) => {
    const model = await resolveModel(arg, 'Share Tuned Model');
    if (!model) return undefined;
    // Ownership decides what `owner:me` lists.
    return shareModel(model, { client, prompts, log, onTransferred: () => void store.refresh() });
  });

  return vscode.Disposable.from(
    vscode.commands.registerCommand(TreeCommands.refresh, refresh),
    vscode.commands.registerCommand(TreeCommands.filter, filter),
    vscode.commands.registerCommand(TreeCommands.clearFilter, () => filter('')),
    vscode.commands.registerCommand(TreeCommands.reveal, reveal),
    vscode.commands.registerCommand(TreeCommands.copyName, copyName),
    vscode.commands.registerCommand(TreeCommands.copyCurl, copyCurl),
    vscode.commands.registerCommand(TreeCommands.copyTypeScript, copyTypeScript),
    vscode.commands.registerCommand(TreeCommands.rename, rename),
    vscode.commands.registerCommand(TreeCommands.edit, edit),
    vscode.commands.registerCommand(TreeCommands.delete, deleteModel),
    vscode.commands.registerCommand(TreeCommands.share, share),
    vscode.commands.registerCommand(TreeCommands.details, showDetails),
    vscode.commands.registerCommand(TreeCommands.tuneAgain, tuneAgain),
  );
}

/**
 * The models a context-menu command acts on when several items are selected: VS Code passes the
 * clicked item and the whole selection. One model, or a click outside the selection, is not several.
 */
function selectedModels(arg: ModelArgument, selection: unknown): string[] {
  if (!Array.isArray(selection) || selection.length < 2) return [];
  const names = selection.filter((n): n is ModelNode => typeof n === 'object' && n !== null && (n as { kind?: unknown }).kind === 'model').map((n) => n.name);
  const clicked = arg && typeof arg === 'object' && 'name' in arg ? arg.name : typeof arg === 'string' ? arg : undefined;
  return clicked && names.includes(clicked) ? names : [];
}

function fieldLabel(field: EditableField): string {
  switch (field) {
    case 'displayName':
      return 'Display name';
    case 'description':
      return 'Description';
    case 'temperature':
      return 'Temperature';
    case 'topP':
      return 'topP';
    case 'topK':
      return 'topK';
  }
}

function fieldPrompt(field: EditableField): string {
  switch (field) {
    case 'displayName':
      return 'At most 40 characters.';
    case 'description':
      return 'A description of the model.';
    case 'temperature':
      return 'Default sampling temperature, 0 to 1.';
    case 'topP':
      return 'Default nucleus sampling probability, 0 to 1.';
    case 'topK':
      return 'Default number of tokens considered for sampling, a whole number.';
  }
}

/** An untitled `*.tuning.yaml` next to the workspace's files, with a name not taken yet. */
async function untitledSpecUri(baseName: string): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const taken = new Set(vscode.workspace.textDocuments.map((d) => d.uri.path));
  for (let i = 1; ; i++) {
    const fileName = `${baseName}${i === 1 ? '' : `-${i}`}.tuning.yaml`;
    if (!folder) {
      const uri = vscode.Uri.from({ scheme: 'untitled', path: fileName });
      if (!taken.has(uri.path)) return uri;
      continue;
    }
    const fileUri = vscode.Uri.joinPath(folder, fileName);
    if (taken.has(fileUri.path)) continue;
    try {
      await vscode.workspace.fs.stat(fileUri);
      continue;
    } catch {
      return fileUri.with({ scheme: 'untitled' });
    }
  }
}

interface ShareDeps {
  readonly client: () => Promise<GeminiClient>;
  readonly prompts: Prompts;
  readonly log: Log;
  readonly onTransferred: () => void;
}

const ROLES: readonly Role[] = ['READER', 'WRITER', 'OWNER'];

/** The Share menu: lists who has access, adds and removes people, shares with everyone, transfers ownership. */
async function shareModel(model: TunedModel & { name: string }, deps: ShareDeps): Promise<number> {
  const { prompts, log } = deps;
  const label = modelLabel(model);
  for (;;) {
    const client = await deps.client();
    const permissions: Permission[] = [];
    for await (const permission of client.permissions.listAll(model.name)) permissions.push(permission);
    type Item = vscode.QuickPickItem & { permission?: Permission; action?: 'addUser' | 'addGroup' | 'everyone' | 'transfer' };
    const items: Item[] = [
      ...permissions.map((p) => ({
        label: `$(${p.granteeType === 'EVERYONE' ? 'globe' : p.granteeType === 'GROUP' ? 'organization' : 'person'}) ${granteeLabel(p)}`,
        description: p.role,
        permission: p,
      })),
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: '$(person-add) Add a person…', action: 'addUser' as const },
      { label: '$(organization) Add a group…', action: 'addGroup' as const },
      ...(permissions.some((p) => p.granteeType === 'EVERYONE') ? [] : [{ label: '$(globe) Share with everyone (read only)', action: 'everyone' as const }]),
      { label: '$(arrow-swap) Transfer ownership…', action: 'transfer' as const },
    ];
    const picked = await prompts.pick(items, { title: `Share ${label}`, placeHolder: `${permissions.length} permission${permissions.length === 1 ? '' : 's'}` });
    if (!picked) return permissions.length;
    if (picked.permission) {
      const p = picked.permission;
      const otherRoles = ROLES.filter((r) => r !== p.role && r !== 'OWNER');
      const choice = await prompts.pick(
        [
          ...otherRoles.map((role) => ({ label: `Make ${role.toLowerCase()}`, role, remove: false })),
          { label: '$(trash) Remove access', role: undefined, remove: true },
        ],
        { title: `${granteeLabel(p)} on ${label}` },
      );
      if (!choice || !p.name) continue;
      if (choice.remove) {
        const ok = await prompts.confirm(`Remove ${granteeLabel(p)}'s access to "${label}"?`, { confirmLabel: 'Remove' });
        if (!ok) continue;
        await client.permissions.delete(p.name);
        log.info(`removed ${p.name}`);
      } else if (choice.role) {
        await client.permissions.patch({ ...p, name: p.name, role: choice.role }, ['role']);
        log.info(`changed ${p.name} to ${choice.role}`);
      }
      continue;
    }
    switch (picked.action) {
      case 'addUser':
      case 'addGroup': {
        const email = await prompts.input({
          title: `Share ${label} with a ${picked.action === 'addUser' ? 'person' : 'group'}`,
          prompt: 'Email address',
          validateInput: (v) => (/^[^@\s]+@[^@\s]+$/.test(v.trim()) ? undefined : 'Enter an email address.'),
        });
        if (!email) continue;
        const role = await prompts.pick(
          ROLES.filter((r) => r !== 'OWNER').map((r) => ({ label: r, role: r })),
          { title: `Role of ${email.trim()}` },
        );
        if (!role) continue;
        await client.permissions.create(model.name, {
          granteeType: picked.action === 'addUser' ? 'USER' : 'GROUP',
          emailAddress: email.trim(),
          role: role.role,
        });
        log.info(`shared ${model.name} with ${picked.action === 'addUser' ? 'a person' : 'a group'} as ${role.role}`);
        continue;
      }
      case 'everyone':
        await client.permissions.create(model.name, { granteeType: 'EVERYONE', role: 'READER' });
        log.info(`shared ${model.name} with everyone`);
        continue;
      case 'transfer': {
        const email = await prompts.input({
          title: `Transfer ownership of ${label}`,
          prompt: 'Email address of the new owner. You will become a writer.',
          validateInput: (v) => (/^[^@\s]+@[^@\s]+$/.test(v.trim()) ? undefined : 'Enter an email address.'),
        });
        if (!email) continue;
        const ok = await prompts.confirm(`Transfer ownership of "${label}" to ${email.trim()}?`, {
          detail: 'You will no longer be able to delete the model or transfer it back.',
          confirmLabel: 'Transfer',
        });
        if (!ok) continue;
        await client.tunedModels.transferOwnership(model.name, email.trim());
        log.info(`transferred ownership of ${model.name}`);
        deps.onTransferred();
        continue;
      }
      default:
        continue;
    }
  }
}

function granteeLabel(p: Permission): string {
  if (p.granteeType === 'EVERYONE') return 'Everyone';
  return p.emailAddress ?? path.basename(p.name ?? '') ?? 'unknown';
}
