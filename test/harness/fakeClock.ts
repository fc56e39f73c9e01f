// A clock that moves only when a test says so: timers fire in order of their due time, during
// `advance`, so that "nothing happens before the timer runs out" is checked without waiting.
// Injected where the code takes timers (promptNotebook's `Timers`), or installed in place of the
// global setTimeout/clearTimeout for code that uses those.

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

export class FakeClock {
  private time = 0;
  private nextId = 1;
  private queue: Pending[] = [];

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.queue.push({ id, at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.queue = this.queue.filter((t) => t.id !== handle);
  }

  /** How many timers are waiting to fire. */
  get pending(): number {
    return this.queue.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = this.queue.reduce<Pending | undefined>((first, t) => (!first || t.at < first.at || (t.at === first.at && t.id < first.id) ? t : first), undefined);
      if (!next || next.at > end) break;
      this.queue = this.queue.filter((t) => t !== next);
      this.time = next.at;
      next.fn();
    }
    this.time = end;
  }

  /** Replaces the global setTimeout and clearTimeout until the returned function is called. */
  install(): () => void {
    const saved = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
    const holder = globalThis as unknown as { setTimeout: unknown; clearTimeout: unknown };
    holder.setTimeout = (fn: () => void, ms?: number) => this.setTimeout(fn, ms ?? 0);
    holder.clearTimeout = (handle: unknown) => this.clearTimeout(handle);
    return () => {
      globalThis.setTimeout = saved.setTimeout;
      globalThis.clearTimeout = saved.clearTimeout;
    };
  }
}
