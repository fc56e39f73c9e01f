import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Exchange } from '../exchange';
import { writeFileAtomic } from '../trainer/atomicWrite';
import { projectNumberOf } from './names';
import { MAX_OBJECT_BYTES, type ObjectRecord, type ObjectStore, StorageError, checkObjectName, noSuchObject } from './objectStore';

/** Multipart bodies are held in memory while parsed; larger uploads use `media` or `resumable`. */
export const MAX_MULTIPART_BYTES = 64 * 1024 * 1024;

function send(ex: Exchange, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 1);
  ex.res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  ex.res.end(text);
}

export function sendStorageError(ex: Exchange, error: StorageError): void {
  if (ex.res.headersSent) return;
  send(ex, error.httpStatus, error.toEnvelope());
}

function originOf(ex: Exchange): string {
  return `http://${ex.req.headers.host ?? 'localhost'}`;
}

function objectResource(ex: Exchange, o: ObjectRecord): Record<string, unknown> {
  const encoded = encodeURIComponent(o.name);
  const etag = Buffer.from(`${o.generation}:1`).toString('base64');
  return {
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    selfLink: `${originOf(ex)}/storage/v1/b/${o.bucket}/o/${encoded}`,
    mediaLink: `${originOf(ex)}/download/storage/v1/b/${o.bucket}/o/${encoded}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket: o.bucket,
    generation: o.generation,
    metageneration: '1',
    contentType: o.contentType,
    storageClass: 'STANDARD',
    size: String(o.size),
    md5Hash: o.md5Hash,
    crc32c: o.crc32c,
    etag,
    timeCreated: o.timeCreated,
    updated: o.timeCreated,
    timeStorageClassUpdated: o.timeCreated,
  };
}

/** Reads a request body of at most `limit` bytes. */
async function readBounded(ex: Exchange, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ex.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new StorageError(413, 'uploadTooLarge', `The request body exceeds ${limit} bytes; use uploadType=resumable for large objects.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function header(ex: Exchange, name: string): string | undefined {
  const v = ex.req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

interface ResumableSession {
  bucket: string;
  name: string;
  contentType: string;
}

/**
 * The Cloud Storage JSON API subset a tuning workflow needs: buckets (insert, get), uploads
 * (`media`, `multipart`, `resumable`), object metadata and `alt=media` downloads. Served under
 * `/storage/v1/b`, `/upload/storage/v1/b`, `/download/storage/v1/b` and, for
 * STORAGE_EMULATOR_HOST clients, `/b`.
 */
export class StorageApi {
  private readonly uploadsDir: string;

  constructor(private readonly store: ObjectStore) {
    this.uploadsDir = path.join(store.dir, '.uploads');
  }

  static serves(pathname: string): boolean {
    return /^\/(storage\/v1\/b|upload\/storage\/v1\/b|download\/storage\/v1\/b|b)(\/|$)/.test(pathname);
  }

  async open(): Promise<void> {
    await this.store.open();
    await fsp.mkdir(this.uploadsDir, { recursive: true });
  }

  async handle(ex: Exchange): Promise<void> {
    try {
      await this.route(ex);
    } catch (e) {
      if (e instanceof StorageError) {
        if (e.httpStatus === 413) ex.res.setHeader('Connection', 'close');
        sendStorageError(ex, e);
        return;
      }
      throw e;
    }
  }

  private async route(ex: Exchange): Promise<void> {
    const m = /^\/(?:(?:(upload|download)\/)?storage\/v1\/)?b(?:\/([^/]+)(?:\/o(?:\/(.+))?)?)?$/.exec(ex.url.pathname);
    if (!m) throw new StorageError(404, 'notFound', `Not Found: ${ex.url.pathname}`);
    const [, kind, rawBucket, rawObject] = m;
    const bucket = rawBucket === undefined ? undefined : decodeURIComponent(rawBucket);
    const object = rawObject === undefined ? undefined : decodeURIComponent(rawObject);
    const hasObjects = /\/o(\/|$)/.test(ex.url.pathname.slice(ex.url.pathname.indexOf('/b/') + 3));
    if (kind === 'upload') {
      if (bucket === undefined || !hasObjects || object !== undefined) throw new StorageError(404, 'notFound', `Not Found: ${ex.url.pathname}`);
      if (ex.method === 'POST') return this.upload(ex, bucket);
      if (ex.method === 'PUT') return this.resumeUpload(ex, bucket);
      throw new StorageError(405, 'methodNotAllowed', `${ex.method} is not supported on uploads; use POST or PUT.`);
    }
    if (bucket === undefined) {
      if (ex.method === 'POST') return this.insertBucket(ex);
      throw new StorageError(405, 'methodNotAllowed', 'Listing buckets is not supported by the local server.');
    }
    if (!hasObjects) {
      if (ex.method !== 'GET') throw new StorageError(405, 'methodNotAllowed', `${ex.method} is not supported on buckets.`);
      const record = await this.store.requireBucket(bucket);
      send(ex, 200, this.bucketResource(ex, record));
      return;
    }
    if (object === undefined) throw new StorageError(405, 'methodNotAllowed', 'Listing objects is not supported by the local server.');
    if (ex.method !== 'GET') throw new StorageError(405, 'methodNotAllowed', `${ex.method} is not supported on objects.`);
    const media = kind === 'download' || ex.url.searchParams.get('alt') === 'media';
    await this.store.requireBucket(bucket).catch((e: unknown) => {
      if (media && e instanceof StorageError) this.plainNotFound(ex, e.message);
      throw e;
    });
    const record = await this.store.getObject(bucket, object);
    if (!record) {
      if (media) return this.plainNotFound(ex, noSuchObject(bucket, object).message);
      throw noSuchObject(bucket, object);
    }
    if (!media) {
      send(ex, 200, objectResource(ex, record));
      return;
    }
    ex.res.writeHead(200, {
      'Content-Type': record.contentType,
      'Content-Length': record.size,
      'x-goog-generation': record.generation,
      'x-goog-hash': `crc32c=${record.crc32c},md5=${record.md5Hash}`,
    });
    const stream = this.store.openData(record);
    stream.pipe(ex.res);
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      ex.res.on('close', resolve);
    });
  }

  /** `alt=media` 404s are plain text, as the real service answers them. */
  private plainNotFound(ex: Exchange, message: string): void {
    if (ex.res.headersSent) return;
    ex.res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(message) });
    ex.res.end(message);
  }

  private bucketResource(ex: Exchange, b: { name: string; projectNumber: string; location: string; storageClass: string; timeCreated: string }): unknown {
    return {
      kind: 'storage#bucket',
      id: b.name,
      selfLink: `${originOf(ex)}/storage/v1/b/${b.name}`,
      projectNumber: b.projectNumber,
      name: b.name,
      timeCreated: b.timeCreated,
      updated: b.timeCreated,
      metageneration: '1',
      location: b.location,
      locationType: 'multi-region',
      storageClass: b.storageClass,
      etag: 'CAE=',
    };
  }

  private async insertBucket(ex: Exchange): Promise<void> {
    const project = ex.url.searchParams.get('project');
    if (!project) throw new StorageError(400, 'required', 'Required parameter: project');
    const body = parseJson(await readBounded(ex, 1024 * 1024));
    const name = typeof body.name === 'string' ? body.name : '';
    if (!name) throw new StorageError(400, 'required', 'Required field: name');
    const record = await this.store.createBucket(
      name,
      projectNumberOf(project),
      typeof body.location === 'string' ? body.location : undefined,
      typeof body.storageClass === 'string' ? body.storageClass : undefined,
    );
    send(ex, 200, this.bucketResource(ex, record));
  }

  private async upload(ex: Exchange, bucket: string): Promise<void> {
    await this.store.requireBucket(bucket);
    const type = ex.url.searchParams.get('uploadType');
    if (type === 'media') return this.mediaUpload(ex, bucket);
    if (type === 'multipart') return this.multipartUpload(ex, bucket);
    if (type === 'resumable') return this.startResumable(ex, bucket);
    throw new StorageError(400, 'invalidParameter', `uploadType must be media, multipart or resumable; got ${JSON.stringify(type)}.`);
  }

  private async mediaUpload(ex: Exchange, bucket: string): Promise<void> {
    const name = ex.url.searchParams.get('name');
    if (!name) throw new StorageError(400, 'required', 'Required parameter: name');
    checkObjectName(name);
    const declared = Number(header(ex, 'content-length'));
    if (Number.isFinite(declared) && declared > MAX_OBJECT_BYTES) throw new StorageError(413, 'uploadTooLarge', `Upload exceeds the maximum object size of ${MAX_OBJECT_BYTES} bytes.`);
    const staged = await this.store.stage(bucket, ex.req as AsyncIterable<Buffer>);
    const record = await this.store.commit(bucket, name, header(ex, 'content-type') ?? 'application/octet-stream', staged);
    send(ex, 200, objectResource(ex, record));
  }

  private async multipartUpload(ex: Exchange, bucket: string): Promise<void> {
    const contentType = header(ex, 'content-type') ?? '';
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
    if (!/^multipart\/related/i.test(contentType) || !boundary) {
      throw new StorageError(400, 'invalid', 'uploadType=multipart needs Content-Type: multipart/related; boundary=…');
    }
    const parts = splitMultipart(await readBounded(ex, MAX_MULTIPART_BYTES), boundary);
    if (parts.length !== 2) throw new StorageError(400, 'invalid', `A multipart upload has exactly two parts (metadata, then data); got ${parts.length}.`);
    const metadata = parseJson(parts[0].body);
    const name = (typeof metadata.name === 'string' && metadata.name) || ex.url.searchParams.get('name');
    if (!name) throw new StorageError(400, 'required', 'Required field: name');
    checkObjectName(name);
    const dataType = (typeof metadata.contentType === 'string' && metadata.contentType) || parts[1].headers['content-type'] || 'application/octet-stream';
    const staged = await this.store.stage(bucket, [parts[1].body]);
    const record = await this.store.commit(bucket, name, dataType, staged);
    send(ex, 200, objectResource(ex, record));
  }

  private sessionFile(uploadId: string, ext: 'json' | 'part'): string {
    if (!/^[0-9a-f]{32}$/.test(uploadId)) throw new StorageError(404, 'notFound', `No such upload session: ${uploadId.slice(0, 64)}`);
    return path.join(this.uploadsDir, `${uploadId}.${ext}`);
  }

  private async startResumable(ex: Exchange, bucket: string): Promise<void> {
    const metadata = parseJson(await readBounded(ex, 1024 * 1024));
    const name = (typeof metadata.name === 'string' && metadata.name) || ex.url.searchParams.get('name');
    if (!name) throw new StorageError(400, 'required', 'Required field: name');
    checkObjectName(name);
    const contentType = header(ex, 'x-upload-content-type') ?? (typeof metadata.contentType === 'string' ? metadata.contentType : 'application/octet-stream');
    const uploadId = randomBytes(16).toString('hex');
    await fsp.writeFile(this.sessionFile(uploadId, 'part'), '');
    const session: ResumableSession = { bucket, name, contentType };
    await writeFileAtomic(this.sessionFile(uploadId, 'json'), JSON.stringify(session));
    const location = `${originOf(ex)}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${uploadId}`;
    ex.res.writeHead(200, { Location: location, 'X-GUploader-UploadID': uploadId, 'Content-Length': 0 });
    ex.res.end();
  }

  private async resumeUpload(ex: Exchange, bucket: string): Promise<void> {
    const uploadId = ex.url.searchParams.get('upload_id') ?? '';
    const sessionFile = this.sessionFile(uploadId, 'json');
    const partFile = this.sessionFile(uploadId, 'part');
    let session: ResumableSession;
    try {
      session = JSON.parse(await fsp.readFile(sessionFile, 'utf8')) as ResumableSession;
    } catch {
      throw new StorageError(404, 'notFound', `No such upload session: ${uploadId}. It finished, or it was never started on this server.`);
    }
    if (session.bucket !== bucket) throw new StorageError(400, 'invalid', `Upload session ${uploadId} belongs to bucket ${session.bucket}.`);
    const range = parseContentRange(header(ex, 'content-range'));
    let persisted = (await fsp.stat(partFile)).size;
    if (range.first !== undefined) {
      if (range.first > persisted) {
        for await (const chunk of ex.req) void chunk;
        throw new StorageError(400, 'invalid', `Content-Range starts at byte ${range.first} but only ${persisted} bytes were received; resume from byte ${persisted}.`);
      }
      let skip = persisted - range.first;
      const handle = await fsp.open(partFile, 'a');
      try {
        for await (const raw of ex.req) {
          let chunk = raw as Buffer;
          if (skip > 0) {
            const drop = Math.min(skip, chunk.length);
            chunk = chunk.subarray(drop);
            skip -= drop;
          }
          if (chunk.length === 0) continue;
          if (persisted + chunk.length > MAX_OBJECT_BYTES) throw new StorageError(413, 'uploadTooLarge', `Upload exceeds the maximum object size of ${MAX_OBJECT_BYTES} bytes.`);
          await handle.write(chunk);
          persisted += chunk.length;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
    } else {
      for await (const chunk of ex.req) void chunk;
    }
    if (range.restOfObject && range.total === undefined) range.total = persisted;
    if (range.total !== undefined && persisted > range.total) {
      throw new StorageError(400, 'invalid', `Received ${persisted} bytes, more than the declared total of ${range.total}.`);
    }
    if (range.total !== undefined && persisted === range.total) {
      const staged = await this.store.stage(bucket, createReadStream(partFile) as AsyncIterable<Buffer>);
      const record = await this.store.commit(bucket, session.name, session.contentType, staged);
      await fsp.rm(sessionFile, { force: true });
      await fsp.rm(partFile, { force: true });
      send(ex, 200, objectResource(ex, record));
      return;
    }
    const headers: Record<string, string | number> = { 'Content-Length': 0 };
    if (persisted > 0) headers.Range = `bytes=0-${persisted - 1}`;
    ex.res.writeHead(308, headers);
    ex.res.end();
  }
}

/** `bytes a-b/total`, `bytes a-b/*`, `bytes *\/total` or `bytes *\/*`. */
// A chunk ("bytes 0-262143/" then a total or a star), a status query ("bytes" star "/1000"), or the
// rest of the object in this one request ("bytes 0-" star "/" star, as Google's Node.js client sends
// in its single-request mode): then the object is complete when the body ends.
function parseContentRange(value: string | undefined): { first?: number; total?: number; restOfObject?: boolean } {
  if (value === undefined) return { first: 0 };
  const m = /^bytes (?:(\d+)-(\d+|\*)|\*)\/(\d+|\*)$/.exec(value.trim());
  if (!m) throw new StorageError(400, 'invalid', `Content-Range must look like "bytes 0-262143/*", "bytes 0-*/*" or "bytes */1000"; got ${JSON.stringify(value)}.`);
  return { first: m[1] === undefined ? undefined : Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]), restOfObject: m[2] === '*' };
}

function parseJson(buf: Buffer): Record<string, unknown> {
  const text = buf.toString('utf8').trim();
  if (text === '') return {};
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new StorageError(400, 'parseError', 'Parse Error: the metadata is not a JSON object.');
}

interface MimePart {
  headers: Record<string, string>;
  body: Buffer;
}

function splitMultipart(body: Buffer, boundary: string): MimePart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MimePart[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    let start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    if (body.subarray(start, start + 2).toString() === '\r\n') start += 2;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    let end = next;
    if (body.subarray(end - 2, end).toString() === '\r\n') end -= 2;
    const part = body.subarray(start, end);
    const split = part.indexOf('\r\n\r\n');
    const headerText = split < 0 ? '' : part.subarray(0, split).toString('utf8');
    const headers: Record<string, string> = {};
    for (const line of headerText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, body: split < 0 ? part : part.subarray(split + 4) });
    at = next;
  }
  return parts;
}
