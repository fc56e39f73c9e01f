import * as vscode from 'vscode';

export interface ConfirmOptions {
  /** Shown under the message in the modal dialog. */
  readonly detail?: string;
  /** The label of the button that goes ahead, e.g. "Delete". */
  readonly confirmLabel: string;
}

/**
 * The questions the extension asks people. Commands ask through this interface rather than
 * `vscode.window` directly, so that integration tests can answer in place of a person.
 */
export interface Prompts {
  /** A modal dialog; true only when the person chose `confirmLabel`. */
  confirm(message: string, options: ConfirmOptions): Promise<boolean>;
  input(options: vscode.InputBoxOptions): Promise<string | undefined>;
  pick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions & { canPickMany?: false }): Promise<T | undefined>;
}

export class WindowPrompts implements Prompts {
  async confirm(message: string, options: ConfirmOptions): Promise<boolean> {
    const answer = await vscode.window.showWarningMessage(message, { modal: true, detail: options.detail }, options.confirmLabel);
    return answer === options.confirmLabel;
  }

  async input(options: vscode.InputBoxOptions): Promise<string | undefined> {
    return vscode.window.showInputBox(options);
  }

  async pick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions & { canPickMany?: false }): Promise<T | undefined> {
    return vscode.window.showQuickPick(items, options);
  }
}

/** Delegates to the window, or to a replacement while one is installed with `use`. */
export class SwappablePrompts implements Prompts {
  private current: Prompts;

  constructor(private readonly fallback: Prompts = new WindowPrompts()) {
    this.current = fallback;
  }

  /** Answers every prompt with `replacement` until the returned disposable is disposed. */
  use(replacement: Prompts): vscode.Disposable {
    this.current = replacement;
    return new vscode.Disposable(() => {
      if (this.current === replacement) this.current = this.fallback;
    });
  }

  confirm(message: string, options: ConfirmOptions): Promise<boolean> {
    return this.current.confirm(message, options);
  }

  input(options: vscode.InputBoxOptions): Promise<string | undefined> {
    return this.current.input(options);
  }

  pick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions & { canPickMany?: false }): Promise<T | undefined> {
    return this.current.pick(items, options);
  }
}
