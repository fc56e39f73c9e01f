import { createHash, randomBytes } from 'node:crypto';

/**
 * The project number the server reports for a project ID. Real resource names carry the number,
 * and requests may use either; here the number is derived from the ID (stable across restarts),
 * and a project given as digits is its own number.
 */
export function projectNumberOf(project: string): string {
  if (/^\d+$/.test(project)) return project;
  const digest = createHash('sha256').update(project).digest();
  return String(100_000_000_000 + (digest.readUInt32BE(0) * 1000 + (digest[4] % 1000)) % 900_000_000_000);
}

/** A 19-digit numeric id, the shape of tuning job, model and endpoint ids. */
export function numericId(): string {
  const bytes = randomBytes(8);
  const n = bytes.readBigUInt64BE(0) % 9_000_000_000_000_000_000n;
  return String(1_000_000_000_000_000_000n + n);
}

export const NUMERIC_ID_RE = /^\d{1,19}$/;

/** Location ids as the service spells them (`us-central1`, `europe-west4`, `global`, `us`). */
export const LOCATION_RE = /^[a-z][a-z0-9-]{0,62}$/;

/** Project ids (6-30 chars) or numbers. */
export const PROJECT_RE = /^([a-z][a-z0-9-]{4,28}[a-z0-9]|\d{1,20})$/;

export function parentName(projectNumber: string, location: string): string {
  return `projects/${projectNumber}/locations/${location}`;
}
