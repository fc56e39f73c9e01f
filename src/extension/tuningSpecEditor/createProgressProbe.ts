import type { TuningSpecEditorTestHooks } from '../testHooks';

/**
 * What a Create notification reports, seen by the tests: the messages, and Cancel pressed at a
 * chosen one. The notification's own Cancel button takes the same path.
 */
export class CreateProgressProbe implements TuningSpecEditorTestHooks {
  readonly createProgress: string[] = [];
  #cancelWhen: ((message: string) => boolean) | undefined;

  cancelCreateWhen(when: (message: string) => boolean): void {
    this.#cancelWhen = when;
  }

  /** Records a message; true when Cancel is to be pressed now (once). */
  reported(message: string): boolean {
    this.createProgress.push(message);
    if (!this.#cancelWhen?.(message)) return false;
    this.#cancelWhen = undefined;
    return true;
  }
}
