import { createHash, randomBytes } from 'node:crypto';
import { ServerError, badRequestDetail, invalidField } from './httpErrors';

/**
 * ProtoJSON input handling: accepts lowerCamelCase and snake_case field names, rejects names the
 * message does not have with the real API's wording, and returns a copy with camelCase keys.
 * A schema maps each camelCase field to a nested schema, `'scalar'`, or `'any'` (free-form JSON).
 */
export type FieldSchema = 'scalar' | 'any' | MessageSchema | Repeated;
export interface MessageSchema {
  [field: string]: FieldSchema;
}
class Repeated {
  constructor(readonly element: FieldSchema) {}
}
const list = (element: FieldSchema): Repeated => new Repeated(element);

const S = 'scalar' as const;
const A = 'any' as const;

const hyperparameters: MessageSchema = { learningRate: S, learningRateMultiplier: S, epochCount: S, batchSize: S };
const tuningExample: MessageSchema = { textInput: S, output: S };
const tuningTask: MessageSchema = {
  startTime: S,
  completeTime: S,
  snapshots: list(A),
  trainingData: { examples: { examples: list(tuningExample) } },
  hyperparameters,
};
export const TUNED_MODEL_SCHEMA: MessageSchema = {
  name: S,
  tunedModelSource: { tunedModel: S, baseModel: S },
  baseModel: S,
  displayName: S,
  description: S,
  temperature: S,
  topP: S,
  topK: S,
  state: S,
  createTime: S,
  updateTime: S,
  tuningTask,
  readerProjectNumbers: list(S),
};
export const PERMISSION_SCHEMA: MessageSchema = { name: S, granteeType: S, emailAddress: S, role: S };
export const TRANSFER_OWNERSHIP_SCHEMA: MessageSchema = { name: S, emailAddress: S };
export const CANCEL_OPERATION_SCHEMA: MessageSchema = { name: S };

const part: MessageSchema = {
  text: S,
  inlineData: A,
  functionCall: A,
  functionResponse: A,
  fileData: A,
  executableCode: A,
  codeExecutionResult: A,
  videoMetadata: A,
  thought: S,
  thoughtSignature: S,
  partMetadata: A,
  mediaResolution: A,
};
const content: MessageSchema = { parts: list(part), role: S };
const generationConfig: MessageSchema = {
  candidateCount: S,
  stopSequences: list(S),
  maxOutputTokens: S,
  temperature: S,
  topP: S,
  topK: S,
  seed: S,
  responseMimeType: S,
  responseSchema: A,
  _responseJsonSchema: A,
  responseJsonSchema: A,
  presencePenalty: S,
  frequencyPenalty: S,
  responseLogprobs: S,
  logprobs: S,
  enableEnhancedCivicAnswers: S,
  responseModalities: list(S),
  speechConfig: A,
  thinkingConfig: A,
  imageConfig: A,
  mediaResolution: S,
};
export const GENERATE_CONTENT_SCHEMA: MessageSchema = {
  model: S,
  contents: list(content),
  systemInstruction: content,
  tools: list(A),
  toolConfig: A,
  safetySettings: list({ category: S, threshold: S }),
  generationConfig,
  cachedContent: S,
  store: S,
};

/** models.countTokens: the contents to count, or a whole GenerateContentRequest. */
export const COUNT_TOKENS_SCHEMA: MessageSchema = {
  model: S,
  contents: list(content),
  generateContentRequest: GENERATE_CONTENT_SCHEMA,
};

export function snakeToCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function camelToSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A request parameter of the query string, under its JSON name or its proto name (`tuned_model_id`), as Google's front end binds both. */
export function queryParam(query: URLSearchParams, jsonName: string): string | null {
  return query.get(jsonName) ?? query.get(camelToSnake(jsonName));
}

function unknownNameMessage(name: string, path: string): string {
  const where = path ? ` at '${path}'` : '';
  return `Invalid JSON payload received. Unknown name "${name}"${where}: Cannot find field.`;
}

/** Every unknown name in one INVALID_ARGUMENT, as Google's front end reports them: messages joined by newlines, one violation each. */
function unknownNames(found: { name: string; path: string }[]): ServerError {
  const violations = found.map(({ name, path }) => ({ field: path, description: unknownNameMessage(name, path) }));
  return new ServerError('INVALID_ARGUMENT', violations.map((v) => v.description).join('\n'), [badRequestDetail(violations)]);
}

function childPath(path: string, field: string): string {
  const snake = camelToSnake(field);
  return path ? `${path}.${snake}` : snake;
}

/** Converts `value` to camelCase keys per `schema`; `path` is the proto path used in messages. */
export function normalizeMessage(value: unknown, schema: MessageSchema, path: string): Record<string, unknown> {
  const unknown: { name: string; path: string }[] = [];
  const out = normalizeObject(value, schema, path, unknown);
  if (unknown.length > 0) throw unknownNames(unknown);
  return out;
}

function normalizeObject(value: unknown, schema: MessageSchema, path: string, unknown: { name: string; path: string }[]): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    const message = `Invalid JSON payload received. Expected an object${path ? ` at '${path}'` : ''}.`;
    throw new ServerError('INVALID_ARGUMENT', message, [badRequestDetail([{ field: path, description: message }])]);
  }
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    const camel = key in schema ? key : snakeToCamel(key);
    const fieldSchema = schema[camel];
    if (fieldSchema === undefined) unknown.push({ name: key, path });
    else out[camel] = normalizeField(raw, fieldSchema, childPath(path, camel), unknown);
  }
  return out;
}

function normalizeField(raw: unknown, schema: FieldSchema, path: string, unknown: { name: string; path: string }[]): unknown {
  if (raw === null) return undefined;
  if (schema === 'scalar' || schema === 'any') return raw;
  if (schema instanceof Repeated) {
    if (!Array.isArray(raw)) {
      const message = `Invalid JSON payload received. Expected a list at '${path}'.`;
      throw new ServerError('INVALID_ARGUMENT', message, [badRequestDetail([{ field: path, description: message }])]);
    }
    return raw.map((item, i) => normalizeField(item, schema.element, `${path}[${i}]`, unknown));
  }
  return normalizeObject(raw, schema as MessageSchema, path, unknown);
}

/**
 * JSON.parse, also accepting a trailing comma before `}` or `]` as Google's JSON front end does
 * (its REST tuning walkthrough sends `"output": "2",}` and gets 200). Nothing else is relaxed: a
 * comma with no value before it (`[,]`, `{"a":1,,}`) stays an error. Each tolerated comma becomes a
 * space, so positions in error messages still point into the text as sent.
 */
export function parseRequestJson(text: string): unknown {
  return JSON.parse(/,\s*[}\]]/.test(text) ? blankTrailingCommas(text) : text);
}

function blankTrailingCommas(text: string): string {
  const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  const blanked: number[] = [];
  let inString = false;
  let lastSignificant = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (isSpace(c)) continue;
    if (c === ',' && lastSignificant !== '' && !'{[,'.includes(lastSignificant)) {
      let j = i + 1;
      while (isSpace(text[j])) j++;
      if (text[j] === '}' || text[j] === ']') {
        blanked.push(i);
        continue;
      }
    }
    if (c === '"') inString = true;
    lastSignificant = c;
  }
  let out = '';
  let from = 0;
  for (const i of blanked) {
    out += text.slice(from, i) + ' ';
    from = i + 1;
  }
  return out + text.slice(from);
}

/** RFC 3339 UTC with a `Z` suffix and millisecond precision. */
export function timestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString();
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function randomId(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ID_ALPHABET[bytes[i] % ID_ALPHABET.length];
  return out;
}

/** Documented tunedModelId pattern; also the guard before any id reaches the file system. */
export const TUNED_MODEL_ID_RE = /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/;

export function isValidTunedModelId(id: string): boolean {
  return TUNED_MODEL_ID_RE.test(id);
}

/**
 * Builds an id from a display name: lowercase ASCII words joined by `-`, then `-` and a random
 * 12-character suffix, trimmed so the whole id fits the 40-character pattern. Without usable
 * words the id is just a random 12-character one starting with a letter.
 */
export function idFromDisplayName(displayName: string | undefined): string {
  const suffix = randomId(12);
  const words = (displayName ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
  let stem = words.join('-');
  stem = stem.replace(/^[^a-z]+/, '');
  const maxStem = 40 - suffix.length - 1;
  if (stem.length > maxStem) stem = stem.slice(0, maxStem).replace(/-+$/, '');
  if (stem.length === 0) return ID_ALPHABET[randomBytes(1)[0] % 26] + randomId(11);
  return `${stem}-${suffix}`;
}

interface PageTokenBody {
  /** Fingerprint of the query the token belongs to (collection + filter). */
  q: string;
  /** Sort key of the last item returned. */
  k: string;
}

export function queryFingerprint(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

export function encodePageToken(fingerprint: string, lastKey: string): string {
  const body: PageTokenBody = { q: fingerprint, k: lastKey };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** Returns the cursor key of a token, or throws INVALID_ARGUMENT naming `pageToken`. */
export function decodePageToken(token: string, fingerprint: string): string {
  let body: PageTokenBody | undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && typeof (parsed as PageTokenBody).q === 'string' && typeof (parsed as PageTokenBody).k === 'string') {
      body = parsed as PageTokenBody;
    }
  } catch {
    body = undefined;
  }
  if (!body) throw invalidField('pageToken', 'is not a page token issued by this server.');
  if (body.q !== fingerprint) {
    throw invalidField(
      'pageToken',
      'was issued for a different query; every parameter except pageSize must match the call that returned the token.',
    );
  }
  return body.k;
}

/** Parses `pageSize` per AIP-158: negative is an error, 0 or absent means the default, larger values are clamped. */
export function parsePageSize(raw: string | null, defaultSize: number, maxSize: number): number {
  if (raw === null || raw === '') return defaultSize;
  if (!/^-?\d+$/.test(raw)) throw invalidField('pageSize', `must be an integer; got "${raw}".`);
  const n = Number(raw);
  if (n < 0) throw invalidField('pageSize', `must not be negative; got ${n}.`);
  if (n === 0) return defaultSize;
  return Math.min(n, maxSize);
}
