import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import type { Dispatcher } from 'undici';
import { ApiError, NetworkError } from '../api/errors';
import { AttemptControl, Transport, createDispatcher, type Call, type ProxyOptions } from '../api/transport';
import type { StorageObject } from './types';

/** Cloud Storage wants every chunk but the last to be a multiple of 256 KiB. */
export const CHUNK_QUANTUM = 256 * 1024;
export const DEFAULT_CHUNK_BYTES = 32 * CHUNK_QUANTUM;
/** Files this large or larger go up resumably; smaller ones in one request. */
export const DEFAULT_RESUMABLE_THRESHOLD = 8 * 1024 * 1024;
const PROGRESS_SLICE = 64 * 1024;

export type UploadSource = { readonly path: string } | { readonly bytes: Uint8Array };

export interface UploadProgress {
  readonly sentBytes: number;
  readonly totalBytes: number;
}

export interface UploadOptions {
  readonly bucket: string;
  readonly object: string;
  readonly source: UploadSource;
  /** Default `application/jsonl`. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Called as bytes leave, and again when the server says how much it kept after a cut. */
  readonly onProgress?: (progress: UploadProgress) => void;
  readonly resumableThresholdBytes?: number;
  /** A multiple of 256 KiB. */
  readonly chunkBytes?: number;
  /**
   * The session of an earlier upload of the same bytes that was cut or cancelled: the upload asks
   * the server how much it committed and sends only the rest.
   */
  readonly resumeSession?: string;
  /** Hears the resumable session as soon as it exists, to resume it later. It grants the upload: keep it out of logs. */
  readonly onSession?: (session: string) => void;
  /** How often a chunk cut by the network is resumed from the committed offset before the upload fails. Default 5. */
  readonly maxResumes?: number;
}

export interface UploadedObject {
  readonly gcsUri: string;
  readonly object: StorageObject;
  readonly resumable: boolean;
  /** How many times a cut chunk was resumed. */
  readonly resumes: number;
}

export interface StorageUploaderOptions {
  /** Default `https://storage.googleapis.com`. */
  readonly baseUrl?: string;
  readonly accessToken: () => Promise<string>;
  readonly userProject?: string;
  readonly proxy?: ProxyOptions;
  readonly log?: (line: string) => void;
}

/** A resumable upload stopped before the object existed. Nothing was created from the partial bytes. */
export class UploadIncompleteError extends Error {
  override readonly name = 'UploadIncompleteError';
  constructor(
    message: string,
    /** Bytes the server had committed when the upload stopped. */
    readonly committedBytes: number,
    readonly totalBytes: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type Chunked = { done: true; object: StorageObject } | { done: false; committed: number };

/**
 * Uploads tuning datasets to Cloud Storage with the JSON API: one `uploadType=media` request for
 * small files, the resumable protocol (308 and `Range`) for big ones. The result is checked
 * against the bytes sent (size and MD5), so a job is never created over a partial or different file.
 */
export class StorageUploader {
  readonly #transport: Transport;
  readonly #options: StorageUploaderOptions;
  readonly #origin: string;
  readonly #basePath: string;
  #dispatcher: Promise<Dispatcher> | undefined;

  constructor(options: StorageUploaderOptions) {
    this.#options = options;
    this.#transport = new Transport({ baseUrl: options.baseUrl ?? 'https://storage.googleapis.com', log: options.log, retry: false });
    const url = new URL(this.#transport.baseUrl);
    this.#origin = url.origin;
    this.#basePath = url.pathname.replace(/\/+$/, '');
  }

  async upload(opts: UploadOptions): Promise<UploadedObject> {
    checkBucket(opts.bucket);
    if (!opts.object || opts.object.length > 1024) throw new TypeError(`a Cloud Storage object name is 1–1024 bytes; got ${JSON.stringify(opts.object.slice(0, 80))}`);
    const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    if (!(chunkBytes > 0) || chunkBytes % CHUNK_QUANTUM !== 0) throw new TypeError(`chunkBytes must be a positive multiple of ${CHUNK_QUANTUM}; got ${chunkBytes}`);
    const source = await openSource(opts.source);
    try {
      const md5 = await source.md5();
      const resumable = opts.resumeSession !== undefined || source.size >= (opts.resumableThresholdBytes ?? DEFAULT_RESUMABLE_THRESHOLD);
      let object: StorageObject;
      let resumes = 0;
      if (resumable) {
        const outcome = await this.#resumable(opts, source, chunkBytes);
        object = outcome.object;
        resumes = outcome.resumes;
      } else {
        object = await this.#simple(opts, source);
      }
      const gcsUri = `gs://${opts.bucket}/${opts.object}`;
      if (Number(object.size) !== source.size) {
        throw new UploadIncompleteError(`Cloud Storage holds ${object.size ?? 'an unknown number of'} bytes of ${gcsUri}, but ${source.size} were sent; upload it again before tuning on it.`, Number(object.size) || 0, source.size);
      }
      if (object.md5Hash !== undefined && object.md5Hash !== md5) {
        throw new UploadIncompleteError(`Cloud Storage's MD5 of ${gcsUri} differs from the file's; the bytes changed on the way or while uploading. Upload it again.`, source.size, source.size);
      }
      return { gcsUri, object, resumable, resumes };
    } finally {
      await source.close();
    }
  }

  /** Creates `bucket` in `project` unless it exists already (409). */
  async ensureBucket(bucket: string, project: string, signal?: AbortSignal): Promise<void> {
    checkBucket(bucket);
    const call: Call = { method: 'storage.buckets.insert', httpMethod: 'POST', path: '', resource: `gs://${bucket}`, idempotent: false, signal };
    const query = new URLSearchParams({ project });
    const response = await this.#request(call, `${this.#basePath}/storage/v1/b?${query}`, 'POST', { 'content-type': 'application/json; charset=UTF-8' }, [Buffer.from(JSON.stringify({ name: bucket }))], signal);
    if (response.status !== 200 && response.status !== 409) throw this.#error(call, response);
  }

  async close(): Promise<void> {
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    if (dispatcher) await (await dispatcher).close();
  }

  async #simple(opts: UploadOptions, source: Source): Promise<StorageObject> {
    const call = this.#call('storage.objects.insert', 'POST', opts);
    const query = new URLSearchParams({ uploadType: 'media', name: opts.object });
    const path = `${this.#basePath}/upload/storage/v1/b/${encodeURIComponent(opts.bucket)}/o?${query}`;
    const response = await this.#request(call, path, 'POST', {
      'content-type': opts.contentType ?? 'application/jsonl',
      'content-length': String(source.size),
    }, source.slices(0, source.size, opts.onProgress), opts.signal);
    if (response.status !== 200 && response.status !== 201) throw this.#error(call, response);
    return parseObject(call, response.text, this.#transport);
  }

  async #resumable(opts: UploadOptions, source: Source, chunkBytes: number): Promise<{ object: StorageObject; resumes: number }> {
    const total = source.size;
    const maxResumes = opts.maxResumes ?? 5;
    const call = this.#call('storage.objects.insert (resumable)', 'PUT', opts);
    let session = opts.resumeSession;
    let offset = 0;
    if (session !== undefined) {
      this.#checkSession(session);
      const status = await this.#status(call, session, total, opts.signal);
      if (status.done) return { object: status.object, resumes: 0 };
      offset = status.committed;
      this.#transport.log(`resuming the upload of ${call.resource} at byte ${offset} of ${total}, where the server stopped`);
    } else {
      session = await this.#startSession(opts, total);
      opts.onSession?.(session);
    }
    opts.onProgress?.({ sentBytes: offset, totalBytes: total });
    let resumes = 0;
    for (;;) {
      const end = Math.min(total, offset + chunkBytes);
      let outcome: Chunked;
      try {
        outcome = await this.#putChunk(call, session, source, offset, end, total, opts);
      } catch (err) {
        if (opts.signal?.aborted) throw this.#transport.abortedError(call);
        if (!(err instanceof NetworkError) || err.kind === 'aborted') throw err;
        if (resumes >= maxResumes) throw await this.#stopped(call, session, total, err, `was cut ${resumes + 1} times`);
        resumes++;
        const status = await this.#status(call, session, total, opts.signal);
        if (status.done) return { object: status.object, resumes };
        this.#transport.log(`the upload of ${call.resource} was cut at byte ${end} (${err.message}); resuming at byte ${status.committed}, where the server stopped (resume ${resumes} of ${maxResumes})`);
        offset = status.committed;
        opts.onProgress?.({ sentBytes: offset, totalBytes: total });
        continue;
      }
      if (outcome.done) return { object: outcome.object, resumes };
      if (outcome.committed > end || (outcome.committed === total && end === total)) {
        throw new UploadIncompleteError(`${call.resource}: the server says it holds ${outcome.committed} of ${total} bytes but did not finish the object; upload it again.`, outcome.committed, total);
      }
      offset = outcome.committed;
    }
  }

  async #startSession(opts: UploadOptions, total: number): Promise<string> {
    const call = this.#call('storage.objects.insert (resumable start)', 'POST', opts);
    const query = new URLSearchParams({ uploadType: 'resumable', name: opts.object });
    const contentType = opts.contentType ?? 'application/jsonl';
    const body = JSON.stringify({ name: opts.object, contentType });
    const response = await this.#request(call, `${this.#basePath}/upload/storage/v1/b/${encodeURIComponent(opts.bucket)}/o?${query}`, 'POST', {
      'content-type': 'application/json; charset=UTF-8',
      'x-upload-content-type': contentType,
      'x-upload-content-length': String(total),
    }, [Buffer.from(body)], opts.signal);
    if (response.status !== 200 && response.status !== 201) throw this.#error(call, response);
    const location = firstHeader(response.headers.location);
    if (!location) throw new ApiError({ httpStatus: response.status, message: `Cloud Storage started no upload session for ${call.resource} (no Location header)`, method: call.method, httpMethod: 'POST', resource: call.resource });
    this.#checkSession(location);
    return location;
  }

  async #putChunk(call: Call, session: string, source: Source, start: number, end: number, total: number, opts: UploadOptions): Promise<Chunked> {
    const headers = { 'content-length': String(end - start), 'content-range': `bytes ${start}-${end - 1}/${total}` };
    const response = await this.#request(call, sessionPath(session), 'PUT', headers, source.slices(start, end, opts.onProgress), opts.signal);
    return this.#chunkOutcome(call, response);
  }

  /** Asks how much of the session the server has committed. */
  async #status(call: Call, session: string, total: number, signal: AbortSignal | undefined): Promise<Chunked> {
    const response = await this.#request(call, sessionPath(session), 'PUT', { 'content-length': '0', 'content-range': `bytes */${total}` }, [], signal);
    if (response.status === 404 || response.status === 410) {
      throw new UploadIncompleteError(`${call.resource}: the upload session is gone (it finished or expired after a week); upload the file again from the start.`, 0, total);
    }
    return this.#chunkOutcome(call, response);
  }

  #chunkOutcome(call: Call, response: RawResponse): Chunked {
    if (response.status === 200 || response.status === 201) return { done: true, object: parseObject(call, response.text, this.#transport) };
    if (response.status === 308) {
      const range = /^bytes=0-(\d+)$/.exec(firstHeader(response.headers.range) ?? '');
      return { done: false, committed: range ? Number(range[1]) + 1 : 0 };
    }
    throw this.#error(call, response);
  }

  /** The error for an upload that stops, with what the server kept; the session stays resumable. */
  async #stopped(call: Call, session: string, total: number, cause: unknown, how: string): Promise<UploadIncompleteError> {
    let committed = 0;
    try {
      const status = await this.#status(call, session, total, undefined);
      committed = status.done ? total : status.committed;
    } catch {
      // what the server kept is a nicety in the message
    }
    return new UploadIncompleteError(`The upload of ${call.resource} ${how}, after ${committed} of ${total} bytes; no object was created from the partial file. Run the upload again to resume it.`, committed, total, { cause });
  }

  #checkSession(session: string): void {
    let url: URL;
    try {
      url = new URL(session);
    } catch {
      throw new TypeError('the resumable upload session is not a URL');
    }
    // The session carries no credentials of its own here: the token must never go to another host.
    if (url.origin !== this.#origin) throw new TypeError(`the resumable upload session points at ${url.origin}, not at ${this.#origin}; it was not used`);
  }

  #call(method: string, httpMethod: 'POST' | 'PUT', opts: UploadOptions): Call {
    return { method, httpMethod: httpMethod as Call['httpMethod'], path: '', resource: `gs://${opts.bucket}/${opts.object}`, idempotent: false, signal: opts.signal };
  }

  async #request(call: Call, path: string, method: 'POST' | 'PUT', extra: Record<string, string>, body: AsyncIterable<Uint8Array> | Uint8Array[], signal: AbortSignal | undefined): Promise<RawResponse> {
    const control = new AttemptControl(signal);
    const token = await this.#options.accessToken();
    this.#transport.redactor.remember(token);
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json', ...extra };
    if (this.#options.userProject) headers['x-goog-user-project'] = this.#options.userProject;
    const started = Date.now();
    try {
      this.#dispatcher ??= createDispatcher(this.#options.proxy);
      const response = await (await this.#dispatcher).request({ origin: this.#origin, path, method, headers, body: body as Dispatcher.DispatchOptions['body'], signal: control.signal, headersTimeout: 0, bodyTimeout: 0 });
      const text = await response.body.text();
      this.#transport.log(`${method} ${call.resource} ${extra['content-range'] ?? ''} ${response.statusCode} ${Date.now() - started}ms`.replace(/\s+/g, ' '));
      return { status: response.statusCode, headers: response.headers, text };
    } catch (err) {
      if (err instanceof ApiError || err instanceof NetworkError) throw err;
      throw this.#transport.networkError(call, err, control, 0);
    } finally {
      control.dispose();
    }
  }

  #error(call: Call, response: RawResponse): ApiError {
    const text = this.#transport.redactor.redact(response.text);
    let message = text.replace(/\s+/g, ' ').trim().slice(0, 300) || `HTTP ${response.status}`;
    let reason: string | undefined;
    try {
      const parsed = JSON.parse(text) as { error?: { message?: string; errors?: { reason?: string }[] } };
      if (parsed.error?.message) message = parsed.error.message;
      reason = parsed.error?.errors?.[0]?.reason;
    } catch {
      // a plain-text error page: its text is the message
    }
    return new ApiError({ httpStatus: response.status, status: reason, message, method: call.method, httpMethod: call.httpMethod, resource: call.resource });
  }
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

interface Source {
  readonly size: number;
  md5(): Promise<string>;
  /** Bytes [start, end) in small slices, reporting each slice as it is handed on. */
  slices(start: number, end: number, onProgress?: (p: UploadProgress) => void): AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}

async function openSource(source: UploadSource): Promise<Source> {
  if ('bytes' in source) {
    const bytes = source.bytes;
    return {
      size: bytes.byteLength,
      md5: async () => createHash('md5').update(bytes).digest('base64'),
      async *slices(start, end, onProgress) {
        for (let at = start; at < end; at += PROGRESS_SLICE) {
          const stop = Math.min(end, at + PROGRESS_SLICE);
          yield bytes.subarray(at, stop);
          onProgress?.({ sentBytes: stop, totalBytes: bytes.byteLength });
        }
      },
      close: async () => undefined,
    };
  }
  const handle = await fsp.open(source.path, 'r');
  const size = (await handle.stat()).size;
  return {
    size,
    md5: async () => {
      const hash = createHash('md5');
      for await (const piece of createReadStream(source.path, { highWaterMark: 1024 * 1024 })) hash.update(piece as Buffer);
      return hash.digest('base64');
    },
    async *slices(start, end, onProgress) {
      for (let at = start; at < end; ) {
        const want = Math.min(end - at, PROGRESS_SLICE);
        const buffer = Buffer.allocUnsafe(want);
        const { bytesRead } = await handle.read(buffer, 0, want, at);
        if (bytesRead === 0) throw new Error(`${source.path} became shorter (${at} bytes) while it was uploaded`);
        at += bytesRead;
        yield buffer.subarray(0, bytesRead);
        onProgress?.({ sentBytes: at, totalBytes: size });
      }
    },
    close: () => handle.close(),
  };
}

function parseObject(call: Call, text: string, transport: Transport): StorageObject {
  try {
    return JSON.parse(text) as StorageObject;
  } catch {
    throw new ApiError({ httpStatus: 200, message: `Cloud Storage answered the upload of ${call.resource} with something that is not JSON: ${transport.redactor.redact(text.slice(0, 120))}`, method: call.method, httpMethod: call.httpMethod, resource: call.resource });
  }
}

function sessionPath(session: string): string {
  const url = new URL(session);
  return url.pathname + url.search;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function checkBucket(bucket: string): void {
  if (!/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(bucket)) {
    throw new TypeError(`${JSON.stringify(bucket)} is not a Cloud Storage bucket name (3–222 lowercase letters, digits, dots, hyphens, underscores); set geminiTuning.vertex.stagingBucket`);
  }
}
