import * as vscode from 'vscode';
import { describeEstimate, describeJobs, JobEtaTracker, type JobEstimate, summarizeJobs } from '../../core/tunedModels/eta';
import { escapeMarkdown } from '../../core/tunedModels/presentation';
import { type TunedModelsStore } from '../tunedModelsStore';

/** What the jobs status bar item shows, for anything that mirrors it. */
export type JobsStatusBarView = Readonly<Pick<vscode.StatusBarItem, 'text' | 'tooltip' | 'command' | 'accessibilityInformation'>> & { readonly visible: boolean };

/** The estimates of the store's running jobs, kept up to date with the store. */
export class RunningJobs implements vscode.Disposable {
  private readonly tracker = new JobEtaTracker();
  private readonly subscription: vscode.Disposable;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    store: TunedModelsStore,
    private readonly now: () => number = Date.now,
  ) {
    this.tracker.update(store.models, now());
    this.subscription = store.onDidChange(() => {
      this.tracker.update(store.models, this.now());
      this.changed.fire();
    });
  }

  estimates(): JobEstimate[] {
    return this.tracker.estimates(this.now());
  }

  estimate(name: string): JobEstimate | undefined {
    return this.tracker.estimate(name, this.now());
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** How often the time left is counted down between polls. */
const TICK_MS = 1000;

/**
 * A status bar item shown while tuning jobs run: how many, how far along together, and the time
 * until the last one is done. Clicking it shows the Tuned Models view.
 */
export function registerJobsStatusBar(jobs: RunningJobs, viewId: string): vscode.Disposable & { readonly view: JobsStatusBarView } {
  const item = vscode.window.createStatusBarItem('geminiTuning.jobs', vscode.StatusBarAlignment.Left, 49);
  item.name = 'Gemini Tuning Jobs';
  item.command = `${viewId}.focus`;
  let visible = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const update = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const estimates = jobs.estimates();
    if (estimates.length === 0) {
      item.hide();
      visible = false;
      return;
    }
    const summary = summarizeJobs(estimates);
    item.text = `$(sync~spin) ${describeJobs(summary)}`;
    item.accessibilityInformation = { label: `Gemini Tuning: ${describeJobs(summary).replace('ETA', 'estimated time left')}` };
    item.tooltip = tooltip(estimates);
    item.show();
    visible = true;
    // Counts down between polls; stops by itself once no job runs.
    timer = setTimeout(update, TICK_MS);
  };
  update();
  const subscription = jobs.onDidChange(update);
  const view: JobsStatusBarView = {
    get text() {
      return item.text;
    },
    get tooltip() {
      return item.tooltip;
    },
    get command() {
      return item.command;
    },
    get accessibilityInformation() {
      return item.accessibilityInformation;
    },
    get visible() {
      return visible;
    },
  };
  return {
    view,
    dispose: () => {
      if (timer !== undefined) clearTimeout(timer);
      subscription.dispose();
      item.dispose();
    },
  };
}

function tooltip(estimates: readonly JobEstimate[]): vscode.MarkdownString {
  const lines = estimates.map((e) => {
    const steps = e.totalSteps ? `step ${e.completedSteps} of ${e.totalSteps} (${e.percent}%)` : `step ${e.completedSteps}`;
    const pace = e.msPerStep !== undefined ? `, ${(e.msPerStep / 1000).toFixed(2)} s/step` : '';
    return `- **${escapeMarkdown(e.label)}**: ${steps}${pace}, ${escapeMarkdown(describeEstimate(e))}`;
  });
  const markdown = new vscode.MarkdownString(`**Tuning jobs**\n\n${lines.join('\n')}\n\nTime left from the recent step rate. Click to show the Tuned Models view.`);
  markdown.isTrusted = false;
  return markdown;
}
