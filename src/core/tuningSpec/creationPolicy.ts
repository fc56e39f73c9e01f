/**
 * When a spec may be submitted, and what the extension remembers about specs that were. Kept
 * free of the editor so that the rules are tested in plain Node.
 */

export const RESTRICTED_MODE_REFUSAL =
  'Restricted Mode: tuned models are not created from specs in an untrusted workspace, because a spec decides which files are uploaded and to which backend. Trust the workspace to create tuned models from it.';

/** The reason creation is refused, or undefined when it may go ahead. */
export function creationRefusal(context: { workspaceTrusted: boolean; specInWorkspace: boolean }): string | undefined {
  if (!context.workspaceTrusted && context.specInWorkspace) return RESTRICTED_MODE_REFUSAL;
  return undefined;
}

export interface SpecCreationRecord {
  /** `CreateRequest.fingerprint`: the same spec and data give the same value. */
  fingerprint: string;
  /** `tunedModels/…` */
  model: string;
  /** ISO timestamp. */
  createdAt: string;
}

/** Spec key (its URI) → the models it created, oldest first. */
export type SpecCreations = Record<string, SpecCreationRecord[]>;

const MAX_RECORDS_PER_SPEC = 20;
const MAX_SPECS = 200;

/** The latest model created from exactly this spec content and data, if any. */
export function previousCreation(records: SpecCreations | undefined, specKey: string, fingerprint: string): SpecCreationRecord | undefined {
  const list = records?.[specKey] ?? [];
  for (let i = list.length - 1; i >= 0; i--) if (list[i].fingerprint === fingerprint) return list[i];
  return undefined;
}

/** A copy of `records` with one more creation, bounded so that workspace state stays small. */
export function rememberCreation(records: SpecCreations | undefined, specKey: string, record: SpecCreationRecord): SpecCreations {
  const next: SpecCreations = { ...(records ?? {}) };
  delete next[specKey];
  next[specKey] = [...(records?.[specKey] ?? []), record].slice(-MAX_RECORDS_PER_SPEC);
  const keys = Object.keys(next);
  for (const key of keys.slice(0, Math.max(0, keys.length - MAX_SPECS))) delete next[key];
  return next;
}

/** The models a spec created, newest first. */
export function modelsCreatedBy(records: SpecCreations | undefined, specKey: string): SpecCreationRecord[] {
  return [...(records?.[specKey] ?? [])].reverse();
}
