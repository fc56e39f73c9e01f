/**
 * Runs an async task so that a burst of calls costs at most two runs: the one in flight and one
 * more that starts after it, shared by every caller that arrived meanwhile.
 */
export class CoalescingRunner {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly task: () => Promise<void>) {}

  run(): Promise<void> {
    if (!this.running) {
      this.running = this.start();
      return this.running;
    }
    if (!this.queued) {
      this.queued = this.running.then(
        () => this.afterCurrent(),
        () => this.afterCurrent(),
      );
    }
    return this.queued;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  private afterCurrent(): Promise<void> {
    this.queued = undefined;
    this.running = this.start();
    return this.running;
  }

  private start(): Promise<void> {
    const run = Promise.resolve().then(() => this.task());
    const clear = () => {
      if (this.running === run) this.running = undefined;
    };
    run.then(clear, clear);
    return run;
  }
}
