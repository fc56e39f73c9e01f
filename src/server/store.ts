import { promises as fsp, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { syncDirectory, writeFileAtomic } from './trainer/atomicWrite';
import { isValidTunedModelId, randomId } from './wire';
import type { ModelRecord, TrainingExample } from './records';

/**
 * Data-dir layout:
 *   <dataDir>/tunedModels/<id>/model.json          the model, its operation and permissions
 *   <dataDir>/tunedModels/<id>/training-data.json  the examples (kept so a job can resume)
 *   <dataDir>/tunedModels/<id>/checkpoint.json     trainer checkpoint while training
 *   <dataDir>/tunedModels/<id>/weights.json        trained weights
 *   <dataDir>/tunedModels/<id>/source-weights.json copy of the source model's weights (tunedModelSource)
 *   <dataDir>/trash/                               deleted models on their way out
 * `model.json` is the commit point of a create: a directory without it is an unfinished create.
 */
export const MODEL_FILE = 'model.json';
export const TRAINING_DATA_FILE = 'training-data.json';
export const CHECKPOINT_FILE = 'checkpoint.json';
export const WEIGHTS_FILE = 'weights.json';
export const SOURCE_WEIGHTS_FILE = 'source-weights.json';

export { writeFileAtomic };

function sortKey(r: ModelRecord): string {
  return `${r.createTime}|${r.id}`;
}

/** Newest first; ties by id. */
function before(a: string, b: string): boolean {
  const [ta, ia] = splitKey(a);
  const [tb, ib] = splitKey(b);
  return ta > tb || (ta === tb && ia < ib);
}

function splitKey(key: string): [string, string] {
  const i = key.lastIndexOf('|');
  return [key.slice(0, i), key.slice(i + 1)];
}

export interface StoreIssue {
  id: string;
  problem: string;
}

export interface DiskChange {
  kind: 'writeRecord' | 'moveToTrash';
  id: string;
}

/** Every tuned model, in memory and on disk. All lookups are in memory; disk is written through. */
export class ModelStore {
  private readonly byId = new Map<string, ModelRecord>();
  /** Sorted newest first, for pagination without scanning files. */
  private ordered: ModelRecord[] = [];
  private readonly writeChains = new Map<string, Promise<void>>();
  private readonly writePending = new Set<string>();
  private readonly deleted = new WeakSet<ModelRecord>();
  /** The last create or delete queued per id; each waits for the one before it. */
  private readonly operations = new Map<string, Promise<void>>();
  readonly modelsDir: string;
  private readonly trashDir: string;

  constructor(
    readonly dataDir: string,
    private readonly log: (line: string) => void,
    /** Runs before each record write or move to the trash; tests make it throw to act as a full or read-only disk. */
    private readonly beforeDiskChange: (change: DiskChange) => void | Promise<void> = () => undefined,
  ) {
    this.modelsDir = path.join(dataDir, 'tunedModels');
    this.trashDir = path.join(dataDir, 'trash');
  }

  /** Loads every model; unfinished creates are removed and reported, unreadable records reported and left in place. */
  async open(): Promise<StoreIssue[]> {
    await fsp.mkdir(this.modelsDir, { recursive: true });
    await fsp.rm(this.trashDir, { recursive: true, force: true });
    await fsp.mkdir(this.trashDir, { recursive: true });
    const issues: StoreIssue[] = [];
    const entries = await fsp.readdir(this.modelsDir, { withFileTypes: true });
    const ids: string[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      if (isValidTunedModelId(entry.name)) ids.push(entry.name);
      else issues.push({ id: entry.name, problem: 'directory name is not a valid tuned model id; ignored' });
    }
    // Synchronous reads: nothing else runs before the server listens, and they are several times
    // cheaper than promise-based ones for thousands of small files.
    const unfinished: string[] = [];
    for (const id of ids) this.load(id, issues, unfinished);
    for (const id of unfinished) await this.moveToTrash(id);
    this.ordered = [...this.byId.values()].sort((a, b) => (before(sortKey(a), sortKey(b)) ? -1 : 1));
    const openedAt = Date.now();
    void this.removeTempFiles(ids, openedAt).catch((e: Error) => this.log(`[store] temp-file cleanup failed: ${e.message}`));
    return issues;
  }

  private load(id: string, issues: StoreIssue[], unfinished: string[]): void {
    let text: string;
    try {
      text = readFileSync(path.join(this.modelsDir, id, MODEL_FILE), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        issues.push({ id, problem: 'create never completed (the request was not acknowledged); removed' });
        unfinished.push(id);
        return;
      }
      throw e;
    }
    try {
      const record = JSON.parse(text) as ModelRecord;
      if (record.id !== id) throw new Error(`record id ${record.id} does not match its directory`);
      this.byId.set(id, record);
    } catch (e) {
      issues.push({ id, problem: `model.json is unreadable (${(e as Error).message}); left on disk, not served` });
    }
  }

  /** Removes temp files a crash left behind; only those older than this run, never a live write's. */
  private async removeTempFiles(ids: string[], before: number): Promise<void> {
    for (const id of ids) {
      const dir = path.join(this.modelsDir, id);
      let names: string[];
      try {
        names = await fsp.readdir(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        if (!name.startsWith('.') || !name.endsWith('.tmp')) continue;
        const file = path.join(dir, name);
        const stat = await fsp.stat(file).catch(() => undefined);
        if (stat && stat.mtimeMs < before) await fsp.rm(file, { force: true });
      }
    }
  }

  dirOf(id: string): string {
    if (!isValidTunedModelId(id)) throw new Error(`refusing a file-system path for invalid id ${JSON.stringify(id)}`);
    return path.join(this.modelsDir, id);
  }

  fileOf(id: string, file: string): string {
    return path.join(this.dirOf(id), file);
  }

  get(id: string): ModelRecord | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get size(): number {
    return this.byId.size;
  }

  all(): readonly ModelRecord[] {
    return this.ordered;
  }

  /**
   * Up to `limit` records after `cursor` (exclusive) that satisfy `accept`, plus whether more follow.
   */
  page(cursor: string | undefined, limit: number, accept: (r: ModelRecord) => boolean): { items: ModelRecord[]; more: boolean } {
    let start = 0;
    if (cursor !== undefined) {
      let lo = 0;
      let hi = this.ordered.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const key = sortKey(this.ordered[mid]);
        if (key === cursor || before(key, cursor)) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const items: ModelRecord[] = [];
    for (let i = start; i < this.ordered.length; i++) {
      const r = this.ordered[i];
      if (!accept(r)) continue;
      if (items.length === limit) return { items, more: true };
      items.push(r);
    }
    return { items, more: false };
  }

  static cursorOf(r: ModelRecord): string {
    return sortKey(r);
  }

  /**
   * Runs `operation` once every earlier create or delete of `id` has finished, and holds later ones
   * until it has. A delete then looks the model up when its turn comes and moves only the
   * generation it found; a create never writes into a directory that a delete is moving away.
   */
  exclusive<T>(id: string, what: 'create' | 'delete', operation: () => Promise<T>): Promise<T> {
    const previous = this.operations.get(id);
    if (previous) this.log(`[store] ${what} of tunedModels/${id} waits for an earlier create or delete of it`);
    const run = (previous ?? Promise.resolve()).then(operation);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.operations.set(id, settled);
    void settled.then(() => {
      if (this.operations.get(id) === settled) this.operations.delete(id);
    });
    return run;
  }

  /** Writes the training data, then the record (the commit point), then indexes it. Run it inside `exclusive`. */
  async create(record: ModelRecord, examples: TrainingExample[], sourceWeights?: string): Promise<void> {
    const dir = this.dirOf(record.id);
    await fsp.mkdir(dir, { recursive: true });
    await writeFileAtomic(path.join(dir, TRAINING_DATA_FILE), JSON.stringify({ examples }));
    if (sourceWeights) {
      await writeFileAtomic(path.join(dir, SOURCE_WEIGHTS_FILE), await fsp.readFile(sourceWeights));
    }
    await writeFileAtomic(path.join(dir, MODEL_FILE), JSON.stringify(record));
    this.byId.set(record.id, record);
    this.insertOrdered(record);
  }

  private insertOrdered(record: ModelRecord): void {
    const key = sortKey(record);
    let lo = 0;
    let hi = this.ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(sortKey(this.ordered[mid]), key)) lo = mid + 1;
      else hi = mid;
    }
    this.ordered.splice(lo, 0, record);
  }

  /** Persists the record's current state; bursts coalesce into one write, writes never reorder. */
  save(record: ModelRecord): Promise<void> {
    const id = record.id;
    if (this.writePending.has(id)) return this.writeChains.get(id) ?? Promise.resolve();
    this.writePending.add(id);
    const previous = this.writeChains.get(id) ?? Promise.resolve();
    const next = previous.then(async () => {
      this.writePending.delete(id);
      if (this.deleted.has(record) || this.byId.get(id) !== record) return;
      await this.writeRecord(record);
    });
    return this.chain(id, next);
  }

  /**
   * Applies `mutate` to the record on disk first and to the record in memory only once the disk
   * has it, so that a failed write (full or read-only disk) leaves what GET shows unchanged.
   */
  update(record: ModelRecord, mutate: (draft: ModelRecord) => void): Promise<void> {
    const id = record.id;
    const previous = this.writeChains.get(id) ?? Promise.resolve();
    const next = previous.then(async () => {
      if (!this.deleted.has(record) && this.byId.get(id) === record) {
        const draft = structuredClone(record);
        mutate(draft);
        await this.writeRecord(draft);
      }
      mutate(record);
    });
    return this.chain(id, next);
  }

  private async writeRecord(record: ModelRecord): Promise<void> {
    try {
      await this.beforeDiskChange({ kind: 'writeRecord', id: record.id });
      await writeFileAtomic(this.fileOf(record.id, MODEL_FILE), JSON.stringify(record));
    } catch (e) {
      this.log(`[store] could not save ${record.id}: ${(e as Error).message}`);
      throw e;
    }
  }

  /** Queues `next` after the id's earlier writes; later writes wait for it even when it fails. */
  private chain(id: string, next: Promise<void>): Promise<void> {
    const settled = next.catch(() => undefined);
    this.writeChains.set(id, settled);
    void settled.then(() => {
      if (this.writeChains.get(id) === settled) this.writeChains.delete(id);
    });
    return next;
  }

  async readTrainingData(id: string): Promise<TrainingExample[]> {
    const parsed = JSON.parse(await fsp.readFile(this.fileOf(id, TRAINING_DATA_FILE), 'utf8')) as { examples?: unknown };
    if (!Array.isArray(parsed.examples)) throw new Error('training-data.json has no examples array');
    return parsed.examples as TrainingExample[];
  }

  /**
   * Moves this generation of the model into the trash by an atomic rename, then removes it from
   * the index; when the move fails the model stays, in memory as on disk. Writes queued meanwhile
   * are skipped. A model that is no longer indexed (deleted, perhaps re-created since) is left
   * alone. Run it inside `exclusive`, so that no create of the same id moves in meanwhile.
   */
  async delete(record: ModelRecord): Promise<void> {
    const id = record.id;
    if (this.byId.get(id) !== record) return;
    this.deleted.add(record);
    try {
      await (this.writeChains.get(id) ?? Promise.resolve());
      await this.moveToTrash(id);
    } catch (e) {
      this.deleted.delete(record);
      this.log(`[store] could not delete ${id}: ${(e as Error).message}`);
      throw e;
    }
    this.byId.delete(id);
    const i = this.ordered.indexOf(record);
    if (i >= 0) this.ordered.splice(i, 1);
  }

  private async moveToTrash(id: string): Promise<void> {
    const trashed = path.join(this.trashDir, `${id}-${randomId(8)}`);
    await this.beforeDiskChange({ kind: 'moveToTrash', id });
    try {
      await fsp.rename(this.dirOf(id), trashed);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    await syncDirectory(this.modelsDir);
    void fsp.rm(trashed, { recursive: true, force: true }).catch(() => undefined);
  }

  /** Waits for every queued write. */
  async flush(): Promise<void> {
    await Promise.all([...this.writeChains.values()]);
  }
}
