import * as path from 'node:path';

/** Where OAuth access tokens for Google Cloud come from. The token is only ever put in an Authorization header. */
export interface AccessTokenProvider {
  getToken(): Promise<string>;
}

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const ADC_LOGIN_COMMAND = 'gcloud auth application-default login';

/** A fixed token: for the local server's Vertex surface, and for tests. */
export function staticAccessToken(token: string): AccessTokenProvider {
  return { getToken: async () => token };
}

/** No Application Default Credentials were found, or the ones found could not give a token. */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
  constructor(
    message: string,
    /** The places looked at, one line each, for a welcome view or a log. */
    readonly searched: readonly string[],
    /** What to run to fix it. */
    readonly remedy: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface AdcOptions {
  /** The project to bill and to use for lookups; passing it keeps the library from running `gcloud` to find one. */
  readonly project?: string;
  /** Defaults to `process.env`; the library itself reads `process.env`, this names the places in messages. */
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
}

/** The places Application Default Credentials are looked for, in order, as google-auth-library looks. */
export function adcSearchPath(opts: Pick<AdcOptions, 'env' | 'platform'> = {}): string[] {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const fromEnv = env.GOOGLE_APPLICATION_CREDENTIALS || env.google_application_credentials;
  let configDir = env.CLOUDSDK_CONFIG;
  if (!configDir) {
    if (platform === 'win32') configDir = env.APPDATA ? path.join(env.APPDATA, 'gcloud') : undefined;
    else configDir = env.HOME ? path.join(env.HOME, '.config', 'gcloud') : undefined;
  }
  const detection = (env.METADATA_SERVER_DETECTION ?? '').trim().toLowerCase();
  return [
    fromEnv ? `GOOGLE_APPLICATION_CREDENTIALS=${fromEnv}` : 'GOOGLE_APPLICATION_CREDENTIALS (not set)',
    configDir ? path.join(configDir, 'application_default_credentials.json') : `the gcloud credentials file (no ${platform === 'win32' ? 'APPDATA' : 'HOME'} to find it under)`,
    detection === 'none' ? 'the metadata server (not probed: METADATA_SERVER_DETECTION=none)' : 'the Compute Engine metadata server (169.254.169.254; not reachable from this machine)',
  ];
}

type GoogleAuthLike = { getAccessToken(): Promise<string | null | undefined> };

/**
 * Application Default Credentials through google-auth-library, which is loaded at the first
 * `getToken`, so that activating the editor does not pay for it. The library caches the client
 * and refreshes its token before expiry.
 */
export class ApplicationDefaultCredentials implements AccessTokenProvider {
  readonly #opts: AdcOptions;
  #auth: Promise<GoogleAuthLike> | undefined;

  constructor(opts: AdcOptions = {}) {
    this.#opts = opts;
  }

  async getToken(): Promise<string> {
    this.#auth ??= this.#load();
    let token: string | null | undefined;
    try {
      token = await (await this.#auth).getAccessToken();
    } catch (err) {
      // The next call looks again: the person may have signed in since.
      this.#auth = undefined;
      throw this.#explain(err);
    }
    if (!token) {
      this.#auth = undefined;
      throw this.#explain(new Error('the credentials gave no access token'));
    }
    return token;
  }

  async #load(): Promise<GoogleAuthLike> {
    const { GoogleAuth } = await import('google-auth-library');
    return new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE], ...(this.#opts.project ? { projectId: this.#opts.project } : {}) });
  }

  #explain(err: unknown): CredentialsError {
    const searched = adcSearchPath(this.#opts);
    const message = err instanceof Error ? err.message : String(err);
    const list = searched.map((place) => `  - ${place}`).join('\n');
    if (/Could not load the default credentials/i.test(message)) {
      return new CredentialsError(`No Google Cloud credentials were found. Run \`${ADC_LOGIN_COMMAND}\`, or set GOOGLE_APPLICATION_CREDENTIALS to a key file. Looked in:\n${list}`, searched, ADC_LOGIN_COMMAND, { cause: err });
    }
    const keyFile = /specified by the GOOGLE_APPLICATION_CREDENTIALS environment variable: The file at (.+?) does not exist/i.exec(message)?.[1];
    if (keyFile) {
      return new CredentialsError(
        `GOOGLE_APPLICATION_CREDENTIALS names ${keyFile}, which does not exist. Point it at a service account key file, or unset it and run \`${ADC_LOGIN_COMMAND}\`. Looked in:\n${list}`,
        searched,
        ADC_LOGIN_COMMAND,
        { cause: err },
      );
    }
    const expired = /invalid_grant|invalid_rapt|expired|revoked|reauth/i.test(message);
    const what = expired ? 'have expired or were revoked' : 'could not give an access token';
    return new CredentialsError(`The Google Cloud credentials ${what} (${scrub(message)}). Run \`${ADC_LOGIN_COMMAND}\` again. Looked in:\n${list}`, searched, ADC_LOGIN_COMMAND, { cause: err });
  }
}

/** Library messages can quote a refresh token or a key; keep only their first line, without anything that looks like one. */
function scrub(message: string): string {
  return message
    .split('\n')[0]
    .replace(/ya29\.[0-9A-Za-z_\-.]+/g, '[redacted]')
    .replace(/1\/\/[0-9A-Za-z_-]+/g, '[redacted]')
    .replace(/^(.{200}).+$/, '$1…');
}

