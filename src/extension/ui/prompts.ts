import * as vscode from 'vscode';
import { inertNotificationText } from '../../core/util/inertText';

export interface ConfirmOptions {
  /** Shown under the message in the modal dialog. */
  readonly detail?: string;
  /** The label of the button that goes ahead, e.g. "Delete". */
  readonly confirmLabel: string;
}

export interface NotifyOptions {
  readonly severity: 'info' | 'warning';
  /** The labels of the buttons, in order. */
  readonly actions: readonly string[];
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
  /**
   * A notification with buttons; resolves with the button chosen, or undefined when it is
   * dismissed. A replacement without it leaves notifications to the window.
   */
  notify?(message: string, options: NotifyOptions): Promise<string | undefined>;
  /** A save dialog: the file chosen, or undefined when cancelled. A replacement without it leaves the dialog to the window. */
  saveFile?(options: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined>;
  /** An open dialog for one file: the file chosen, or undefined when cancelled. A replacement without it leaves the dialog to the window. */
  openFile?(options: vscode.OpenDialogOptions): Promise<vscode.Uri | undefined>;
}

/** Where notifications go; `SwappablePrompts` is one. */
export type Notifier = Required<Pick<Prompts, 'notify'>>;

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

  async notify(message: string, options: NotifyOptions): Promise<string | undefined> {
    const text = inertNotificationText(message);
    return options.severity === 'warning' ? vscode.window.showWarningMessage(text, ...options.actions) : vscode.window.showInformationMessage(text, ...options.actions);
  }

  async saveFile(options: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined> {
    return vscode.window.showSaveDialog(options);
  }

  async openFile(options: vscode.OpenDialogOptions): Promise<vscode.Uri | undefined> {
    return (await vscode.window.showOpenDialog({ ...options, canSelectMany: false }))?.[0];
  }
}

/** Delegates to the window, or to a replacement while one is installed with `use`. */
export class SwappablePrompts implements Prompts {
  private current: Prompts;

  constructor(private readonly fallback: WindowPrompts = new WindowPrompts()) {
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

  notify(message: string, options: NotifyOptions): Promise<string | undefined> {
    return this.current.notify ? this.current.notify(message, options) : this.fallback.notify(message, options);
  }

  saveFile(options: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined> {
    return this.current.saveFile ? this.current.saveFile(options) : this.fallback.saveFile(options);
  }

  openFile(options: vscode.OpenDialogOptions): Promise<vscode.Uri | undefined> {
    return this.current.openFile ? this.current.openFile(options) : this.fallback.openFile(options);
  }
}
