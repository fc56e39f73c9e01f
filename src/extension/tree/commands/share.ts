import * as path from 'node:path';
import * as vscode from 'vscode';
import { type GeminiClient } from '../../../core/api/client';
import { type Permission, type Role } from '../../../core/api/types';
import { modelLabel } from '../../../core/tunedModels/presentation';
import { type ModelArgument, type ModelCommandDeps, type NamedModel } from './modelResolver';
import { EMAIL_PATTERN, transferOwnership } from './transferOwnership';

const ROLES: readonly Role[] = ['READER', 'WRITER', 'OWNER'];

/**
 * The Share menu: lists who has access, adds and removes people, shares with everyone, transfers
 * ownership. Resolves with the number of permissions when the person closes it.
 */
export async function shareModel(deps: ModelCommandDeps, arg?: ModelArgument): Promise<number | undefined> {
  const model = await deps.resolveModel(arg, 'Share Tuned Model');
  if (!model) return undefined;
  if (!model.capabilities.share) throw new Error(`The backend of ${model.name} does not share tuned models.`);
  return shareMenu(deps, model);
}

async function shareMenu(deps: ModelCommandDeps, model: NamedModel): Promise<number> {
  const label = modelLabel(model);
  for (;;) {
    const client = await deps.connection.getClient();
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
    const picked = await deps.prompts.pick(items, { title: `Share ${label}`, placeHolder: `${permissions.length} permission${permissions.length === 1 ? '' : 's'}` });
    if (!picked) return permissions.length;
    if (picked.permission) await changePermission(deps, client, picked.permission, label);
    else if (picked.action === 'addUser' || picked.action === 'addGroup') await addGrantee(deps, client, model, picked.action === 'addUser' ? 'USER' : 'GROUP');
    else if (picked.action === 'everyone') {
      await client.permissions.create(model.name, { granteeType: 'EVERYONE', role: 'READER' });
      deps.log.info(`shared ${model.name} with everyone`);
    } else if (picked.action === 'transfer') await transferOwnership(deps, client, model);
  }
}

/** Another role for someone who has access, or no access at all. */
async function changePermission(deps: ModelCommandDeps, client: GeminiClient, p: Permission, label: string): Promise<void> {
  const otherRoles = ROLES.filter((r) => r !== p.role && r !== 'OWNER');
  const choice = await deps.prompts.pick(
    [
      ...otherRoles.map((role) => ({ label: `Make ${role.toLowerCase()}`, role, remove: false })),
      { label: '$(trash) Remove access', role: undefined, remove: true },
    ],
    { title: `${granteeLabel(p)} on ${label}` },
  );
  if (!choice || !p.name) return;
  if (choice.remove) {
    const ok = await deps.prompts.confirm(`Remove ${granteeLabel(p)}'s access to "${label}"?`, { confirmLabel: 'Remove' });
    if (!ok) return;
    await client.permissions.delete(p.name);
    deps.log.info(`removed ${p.name}`);
  } else if (choice.role) {
    await client.permissions.patch({ ...p, name: p.name, role: choice.role }, ['role']);
    deps.log.info(`changed ${p.name} to ${choice.role}`);
  }
}

async function addGrantee(deps: ModelCommandDeps, client: GeminiClient, model: NamedModel, granteeType: 'USER' | 'GROUP'): Promise<void> {
  const who = granteeType === 'USER' ? 'person' : 'group';
  const email = await deps.prompts.input({
    title: `Share ${modelLabel(model)} with a ${who}`,
    prompt: 'Email address',
    validateInput: (v) => (EMAIL_PATTERN.test(v.trim()) ? undefined : 'Enter an email address.'),
  });
  if (!email) return;
  const role = await deps.prompts.pick(
    ROLES.filter((r) => r !== 'OWNER').map((r) => ({ label: r, role: r })),
    { title: `Role of ${email.trim()}` },
  );
  if (!role) return;
  await client.permissions.create(model.name, { granteeType, emailAddress: email.trim(), role: role.role });
  deps.log.info(`shared ${model.name} with a ${who} as ${role.role}`);
}

function granteeLabel(p: Permission): string {
  if (p.granteeType === 'EVERYONE') return 'Everyone';
  return p.emailAddress ?? path.basename(p.name ?? '') ?? 'unknown';
}
