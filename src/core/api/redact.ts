const REDACTED = '[redacted]';
const MAX_REMEMBERED = 16;

const PATTERNS: readonly [RegExp, string][] = [
  // Google API keys and OAuth access tokens, whatever their source.
  [/AIza[0-9A-Za-z_-]{35}/g, REDACTED],
  [/ya29\.[0-9A-Za-z_\-.]+/g, REDACTED],
  [/\b(Bearer\s+)[^\s"',;]+/gi, `$1${REDACTED}`],
  [/([?&](?:key|access_token|oauth_token|api_key)=)[^&\s"'#]+/gi, `$1${REDACTED}`],
  [/(x-goog-api-key["']?\s*[:=]\s*["']?)[^\s"',;]+/gi, `$1${REDACTED}`],
  // Credentials inside URLs (proxy URLs carry them).
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s"']+@/gi, `$1${REDACTED}@`],
];

/** Removes every secret the client has used, and anything shaped like a credential, from text. */
export class Redactor {
  readonly #secrets: string[] = [];

  remember(secret: string | undefined): void {
    if (!secret || secret.length < 4 || this.#secrets.includes(secret)) return;
    this.#secrets.push(secret);
    if (this.#secrets.length > MAX_REMEMBERED) this.#secrets.shift();
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  /** A copy of `err` without secrets in its message or stack, keeping its code. */
  sanitizeCause(err: unknown): Error | undefined {
    if (err === undefined || err === null) return undefined;
    const source = err instanceof Error ? err : new Error(String(err));
    const copy = new Error(this.redact(source.message));
    copy.name = source.name;
    copy.stack = source.stack ? this.redact(source.stack) : undefined;
    const code = (source as { code?: unknown }).code;
    if (typeof code === 'string') (copy as Error & { code?: string }).code = code;
    return copy;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Redactor {}';
  }
}
