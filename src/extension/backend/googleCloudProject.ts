import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/** As Vertex AI checks it: a project ID (6–30 lowercase letters, digits, hyphens) or a project number. */
export function isProjectId(value: string): boolean {
  return /^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^\d{1,20}$/.test(value);
}

/** The gcloud configuration file of the default configuration, where `[core] project` is kept. */
export function gcloudDefaultConfigFile(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | undefined {
  const dir = env.CLOUDSDK_CONFIG || (platform === 'win32' ? (env.APPDATA ? path.join(env.APPDATA, 'gcloud') : undefined) : env.HOME ? path.join(env.HOME, '.config', 'gcloud') : undefined);
  return dir ? path.join(dir, 'configurations', 'config_default') : undefined;
}

/** The `project` of the `[core]` section of a gcloud configuration file. */
export function coreProjectOf(ini: string): string | undefined {
  let section = '';
  for (const raw of ini.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1].trim();
      continue;
    }
    const entry = /^project\s*[=:]\s*(.*)$/.exec(line);
    if (section === 'core' && entry) return entry[1].trim() || undefined;
  }
  return undefined;
}

/** The project a person most likely means: GOOGLE_CLOUD_PROJECT, else gcloud's default configuration. */
export async function defaultGoogleCloudProject(env: NodeJS.ProcessEnv): Promise<{ project: string; source: string } | undefined> {
  const fromEnv = env.GOOGLE_CLOUD_PROJECT?.trim();
  if (fromEnv) return { project: fromEnv, source: 'GOOGLE_CLOUD_PROJECT' };
  const file = gcloudDefaultConfigFile(env);
  if (!file) return undefined;
  try {
    const project = coreProjectOf(await fsp.readFile(file, 'utf8'));
    return project ? { project, source: file } : undefined;
  } catch {
    // No gcloud configuration: nothing to suggest.
    return undefined;
  }
}
