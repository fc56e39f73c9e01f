import { type Disposable, toDisposable } from './lifecycle';

/**
 * An event you subscribe to by calling it. The signature matches `vscode.Event<T>`, so the
 * pure core can expose events that editor code uses exactly like VS Code's own.
 */
export type Event<T> = (listener: (e: T) => unknown, thisArgs?: unknown, disposables?: Disposable[]) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners: Array<(e: T) => unknown> = [];
  private disposed = false;

  readonly event: Event<T> = (listener, thisArgs, disposables) => {
    const bound = thisArgs === undefined ? listener : listener.bind(thisArgs);
    if (this.disposed) return toDisposable(() => {});
    this.listeners.push(bound);
    const subscription = toDisposable(() => {
      this.listeners = this.listeners.filter((l) => l !== bound);
    });
    disposables?.push(subscription);
    return subscription;
  };

  /** Calls every listener; one that throws does not stop the others and is reported to `onListenerError`. */
  fire(e: T): void {
    for (const listener of this.listeners.slice()) {
      try {
        listener(e);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}

/** Resolves with the next value the event fires (optionally one that matches `predicate`). */
export function nextEvent<T>(event: Event<T>, predicate: (e: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const subscription = event((e) => {
      if (predicate(e)) {
        subscription.dispose();
        resolve(e);
      }
    });
  });
}
