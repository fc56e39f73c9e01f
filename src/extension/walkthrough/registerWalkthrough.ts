import * as vscode from 'vscode';
import { type TestHooks } from '../testHooks';
import { registerGuarded } from '../ui/commands';
import { type ErrorLog } from '../ui/notify';

/** The Getting Started walkthrough's id in package.json (`contributes.walkthroughs`). */
export const WALKTHROUGH_ID = 'geminiTuning.gettingStarted';
export const OPEN_WALKTHROUGH_COMMAND = 'geminiTuning.openWalkthrough';

/**
 * Steps that complete on something only the extension sees (a command that ran is not enough: a
 * cancelled "New Tuning Spec" created nothing). Each is the context key of its step's
 * `onContext:` completion event.
 */
export const WALKTHROUGH_CONTEXT = {
  specCreated: 'geminiTuning.walkthrough.specCreated',
} as const;

export type WalkthroughMilestone = keyof typeof WALKTHROUGH_CONTEXT;

/** Marks walkthrough steps done by setting their context keys. */
export class WalkthroughProgress {
  private readonly log: WalkthroughMilestone[] = [];

  reach(milestone: WalkthroughMilestone): void {
    this.log.push(milestone);
    void vscode.commands.executeCommand('setContext', WALKTHROUGH_CONTEXT[milestone], true);
  }

  /** Every milestone reached in this window, in order, repeats included. */
  get reached(): readonly WalkthroughMilestone[] {
    return this.log;
  }
}

export interface WalkthroughDeps {
  readonly context: Pick<vscode.ExtensionContext, 'extension'>;
  readonly log: ErrorLog;
  readonly progress: WalkthroughProgress;
  readonly testHooks: TestHooks | undefined;
}

/** "Get Started with Gemini Tuning": opens the walkthrough. */
export function registerWalkthrough(deps: WalkthroughDeps): vscode.Disposable {
  if (deps.testHooks) deps.testHooks.walkthrough = { reached: () => [...deps.progress.reached] };
  return registerGuarded(
    OPEN_WALKTHROUGH_COMMAND,
    'Could not open the Getting Started walkthrough',
    () => vscode.commands.executeCommand('workbench.action.openWalkthrough', `${deps.context.extension.id}#${WALKTHROUGH_ID}`, false),
    deps.log,
  );
}
