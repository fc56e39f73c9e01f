import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp, type ReadStream } from 'node:fs';
import * as path from 'node:path';
import { syncDirectory, writeFileAtomic } from '../trainer/atomicWrite';
import { Crc32c } from './crc32c';

/**
 * Cloud Storage's JSON API error: `{error:{code,message,errors:[{message,domain,reason}]}}`,
 * which differs from aiplatform's google.rpc.Status envelope.
 */
export class StorageError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }

  toEnvelope(): unknown {
    return { error: { code: this.httpStatus, message: this.message, errors: [{ message: this.message, domain: 'global', reason: this.reason }] } };
  }
}

export const noSuchBucket = (bucket: string): StorageError => new StorageError(404, 'notFound', `The specified bucket does not exist. Bucket: ${bucket}`);
export const noSuchObject = (bucket: string, name: string): StorageError => new StorageError(404, 'notFound', `No such object: ${bucket}/${name}`);

/** The largest object accepted (the tuning dataset limit is 1 GB). */
export const MAX_OBJECT_BYTES = 1024 * 1024 * 1024;

const BUCKET_NAME_RE = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

export function checkBucketName(name: string): void {
  if (!BUCKET_NAME_RE.test(name) || name.includes('..')) {
    throw new StorageError(400, 'invalid', `Invalid bucket name: '${name}'. Bucket names are 3-63 characters of a-z, 0-9, '.', '_' and '-', starting and ending with a letter or digit.`);
  }
}

export function checkObjectName(name: string): void {
  const bytes = Buffer.byteLength(name);
  if (bytes === 0 || bytes > 1024 || /[\r\n]/.test(name) || name === '.' || name === '..' || name.startsWith('.well-known/acme-challenge/')) {
    throw new StorageError(400, 'invalid', `The object name '${name.slice(0, 80)}' is invalid: names are 1-1024 bytes of UTF-8 without carriage returns or line feeds, and not '.' or '..'.`);
  }
}

export interface BucketRecord {
  name: string;
  projectNumber: string;
  location: string;
  storageClass: string;
  timeCreated: string;
}

export interface ObjectRecord {
  bucket: string;
  name: string;
  generation: string;
  contentType: string;
  size: number;
  md5Hash: string;
  crc32c: string;
  timeCreated: string;
}

/** A finished data file waiting to become an object (see `ObjectStore.commit`). */
interface StagedData {
  file: string;
  size: number;
  md5Hash: string;
  crc32c: string;
}

/**
 * Buckets and objects in the data folder:
 *   <dir>/<bucket>/bucket.json
 *   <dir>/<bucket>/objects/<sha256 of name>.json          the object's metadata: the commit point
 *   <dir>/<bucket>/objects/<sha256 of name>.<gen>.data    its bytes
 * File names are hashes, so no object name can reach outside the bucket's folder. Bytes are
 * written to a temp file, fsynced and renamed before the metadata is written, so a crash at any
 * moment leaves the previous generation or the new one, never a torn object.
 */
export class ObjectStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'storage');
  }

  /** Creates the folder and removes uploads a crash interrupted before they became objects. */
  async open(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    for (const bucket of await fsp.readdir(this.dir, { withFileTypes: true })) {
      if (!bucket.isDirectory() || !BUCKET_NAME_RE.test(bucket.name)) continue;
      const objects = path.join(this.dir, bucket.name, 'objects');
      const names = await fsp.readdir(objects).catch(() => [] as string[]);
      for (const name of names) if (name.startsWith('.') && name.endsWith('.tmp')) await fsp.rm(path.join(objects, name), { force: true });
    }
  }

  private bucketDir(bucket: string): string {
    checkBucketName(bucket);
    return path.join(this.dir, bucket);
  }

  private objectBase(bucket: string, name: string): string {
    return path.join(this.bucketDir(bucket), 'objects', createHash('sha256').update(name).digest('hex'));
  }

  async createBucket(name: string, projectNumber: string, location = 'US', storageClass = 'STANDARD'): Promise<BucketRecord> {
    const dir = this.bucketDir(name);
    if (await this.getBucket(name)) {
      throw new StorageError(409, 'conflict', 'Your previous request to create the named bucket succeeded and you already own it.');
    }
    await fsp.mkdir(path.join(dir, 'objects'), { recursive: true });
    const record: BucketRecord = { name, projectNumber, location: location.toUpperCase(), storageClass, timeCreated: new Date().toISOString() };
    await writeFileAtomic(path.join(dir, 'bucket.json'), JSON.stringify(record));
    return record;
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    try {
      return JSON.parse(await fsp.readFile(path.join(this.bucketDir(name), 'bucket.json'), 'utf8')) as BucketRecord;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async requireBucket(name: string): Promise<BucketRecord> {
    const bucket = await this.getBucket(name);
    if (!bucket) throw noSuchBucket(name);
    return bucket;
  }

  async getObject(bucket: string, name: string): Promise<ObjectRecord | undefined> {
    checkObjectName(name);
    try {
      return JSON.parse(await fsp.readFile(`${this.objectBase(bucket, name)}.json`, 'utf8')) as ObjectRecord;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  dataFileOf(record: ObjectRecord): string {
    return `${this.objectBase(record.bucket, record.name)}.${record.generation}.data`;
  }

  openData(record: ObjectRecord): ReadStream {
    return createReadStream(this.dataFileOf(record));
  }

  /** Writes `chunks` to a fsynced temp file in the bucket, hashing them; at most MAX_OBJECT_BYTES. */
  async stage(bucket: string, chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<StagedData> {
    const dir = path.join(this.bucketDir(bucket), 'objects');
    const file = path.join(dir, `.upload-${randomBytes(8).toString('hex')}.tmp`);
    const md5 = createHash('md5');
    const crc = new Crc32c();
    let size = 0;
    const handle = await fsp.open(file, 'w', 0o600);
    try {
      for await (const chunk of chunks) {
        size += chunk.length;
        if (size > MAX_OBJECT_BYTES) throw new StorageError(413, 'uploadTooLarge', `Upload exceeds the maximum object size of ${MAX_OBJECT_BYTES} bytes.`);
        md5.update(chunk);
        crc.update(chunk);
        await handle.write(chunk);
      }
      await handle.sync();
    } catch (e) {
      await handle.close();
      await fsp.rm(file, { force: true });
      throw e;
    }
    await handle.close();
    return { file, size, md5Hash: md5.digest('base64'), crc32c: crc.base64() };
  }

  /** Turns staged bytes into the object's new generation: rename the data, then write the metadata. */
  async commit(bucket: string, name: string, contentType: string, staged: StagedData): Promise<ObjectRecord> {
    checkObjectName(name);
    const previous = await this.getObject(bucket, name);
    const now = Date.now();
    let generation = now * 1000 + Math.floor(Math.random() * 1000);
    if (previous && Number(previous.generation) >= generation) generation = Number(previous.generation) + 1;
    const record: ObjectRecord = {
      bucket,
      name,
      generation: String(generation),
      contentType,
      size: staged.size,
      md5Hash: staged.md5Hash,
      crc32c: staged.crc32c,
      timeCreated: new Date(now).toISOString(),
    };
    const dataFile = this.dataFileOf(record);
    await fsp.rename(staged.file, dataFile);
    await syncDirectory(path.dirname(dataFile));
    await writeFileAtomic(`${this.objectBase(bucket, name)}.json`, JSON.stringify(record));
    if (previous) await fsp.rm(this.dataFileOf(previous), { force: true });
    return record;
  }

  async discard(staged: StagedData): Promise<void> {
    await fsp.rm(staged.file, { force: true });
  }

  /** The bytes of `gs://bucket/name`, for the tuning service. */
  async readGsUri(uri: string): Promise<Buffer> {
    const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!m) throw new StorageError(400, 'invalid', `${uri} is not a gs://bucket/object URI.`);
    const [, bucket, name] = m;
    if (!(await this.getBucket(bucket))) throw noSuchBucket(bucket);
    const record = await this.getObject(bucket, name);
    if (!record) throw noSuchObject(bucket, name);
    return fsp.readFile(this.dataFileOf(record));
  }
}
