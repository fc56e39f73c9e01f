// The one way tests wait until something holds. Plain Node (no vscode, no DOM): used by unit,
// integration and UI tests and by the launchers.

/** Anything that announces a change: a vscode.Event, an Emitter's event. */
export type ChangeEvent = (listener: () => void) => { dispose(): unknown };

export interface WaitOptions {
  /** Default 60 s. */
  readonly timeoutMs?: number;
  /** Checked again after each of these fires. */
  readonly events?: readonly ChangeEvent[];
  /**
   * Checked again every `intervalMs` as well, for what no event announces (another process, a
   * file, a page in a browser). Default 100 ms.
   */
  readonly intervalMs?: number;
  /** Stops waiting early when it names a reason, e.g. the process waited on has exited. */
  readonly abandon?: () => string | undefined;
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Resolves with the first truthy value `check` returns: checked at once, after each event and
 * every `intervalMs`. Rejects naming `what` when the time runs out or `abandon` gives a reason,
 * and with `check`'s own error when it throws.
 */
export function waitFor<T>(check: () => T | Promise<T>, what: string | (() => string), options: WaitOptions = {}): Promise<Truthy<T>> {
  const { timeoutMs = 60_000, events = [], intervalMs = 100, abandon } = options;
  const describe = (): string => (typeof what === 'string' ? what : what());
  return new Promise<Truthy<T>>((resolve, reject) => {
    let settled = false;
    let checking = false;
    let again = false;
    let subscriptions: { dispose(): unknown }[] = [];
    const finish = (outcome: { value: Truthy<T> } | { error: Error }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(interval);
      for (const s of subscriptions) s.dispose();
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome.value);
    };
    // An event during a check means the state may have changed after it was read: check again.
    // A tick of the interval during a check is simply skipped.
    const attempt = async (changed: boolean): Promise<void> => {
      if (settled) return;
      if (checking) {
        again ||= changed;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          const value = await check();
          if (value) return finish({ value: value as Truthy<T> });
        } while (again && !settled);
        const reason = abandon?.();
        if (reason !== undefined) {
          const value = await check();
          if (value) return finish({ value: value as Truthy<T> });
          finish({ error: new Error(`gave up waiting for ${describe()}: ${reason}`) });
        }
      } catch (error) {
        finish({ error: error instanceof Error ? error : new Error(String(error)) });
      } finally {
        checking = false;
      }
    };
    const timer = setTimeout(() => finish({ error: new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`) }), timeoutMs);
    const interval = setInterval(() => void attempt(false), intervalMs);
    subscriptions = events.map((event) => event(() => void attempt(true)));
    void attempt(false);
  });
}
