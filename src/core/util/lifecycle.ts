export interface Disposable {
  dispose(): void;
}

/** Owns child disposables and releases them, newest first, when disposed. */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private disposed = false;

  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      item.dispose();
    } else {
      this.items.push(item);
    }
    return item;
  }

  clear(): void {
    for (const item of this.items.splice(0).reverse()) {
      try {
        item.dispose();
      } catch {
        // one failing disposable must not leak the rest
      }
    }
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clear();
  }
}

/** Base class for long-lived services: `_register` ties a child's lifetime to this object. */
export abstract class DisposableBase implements Disposable {
  private readonly store = new DisposableStore();

  protected _register<T extends Disposable>(item: T): T {
    return this.store.add(item);
  }

  protected get isDisposed(): boolean {
    return this.store.isDisposed;
  }

  dispose(): void {
    this.store.dispose();
  }
}

export function toDisposable(fn: () => void): Disposable {
  return { dispose: fn };
}
