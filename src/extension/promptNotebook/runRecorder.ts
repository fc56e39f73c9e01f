import * as vscode from 'vscode';
import type { GenerateContentRequest } from '../../core/api/types';
import type { PromptNotebookTestHooks } from '../testHooks';
import { type PromptControllers } from './controllers';
import { type PromptRunObserver } from './execution';

/** Keeps what the integration tests read about runs; it exists only when the extension runs its tests. */
export class PromptRunRecorder implements PromptRunObserver, vscode.Disposable {
  private readonly lastRequests = new Map<string, GenerateContentRequest>();
  private readonly finishedRuns = new Map<string, number>();
  private readonly finished = new vscode.EventEmitter<string>();

  requestSent(cell: vscode.NotebookCell, request: GenerateContentRequest): void {
    this.lastRequests.set(cellKey(cell), request);
  }

  runFinished(cell: vscode.NotebookCell): void {
    const key = cellKey(cell);
    this.finishedRuns.set(key, (this.finishedRuns.get(key) ?? 0) + 1);
    this.finished.fire(key);
  }

  hooks(controllers: PromptControllers): PromptNotebookTestHooks {
    return {
      lastRequest: (cell) => this.lastRequests.get(cellKey(cell)),
      finishedRuns: (cell) => this.finishedRuns.get(cellKey(cell)) ?? 0,
      waitForRuns: (cell, count, timeoutMs = 60_000) => this.waitForRuns(cellKey(cell), count, timeoutMs),
      controllers: () =>
        controllers.modelNames.map((model) => {
          const controller = controllers.controllerFor(model)!;
          return { model, kind: controllers.kindOf(model)!, id: controller.id, label: controller.label };
        }),
      selectedModel: (notebook) => controllers.selectedModel(notebook),
    };
  }

  private waitForRuns(key: string, count: number, timeoutMs: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const check = (): void => {
        const runs = this.finishedRuns.get(key) ?? 0;
        if (runs < count) return;
        clearTimeout(timer);
        listener.dispose();
        resolve(runs);
      };
      const timer = setTimeout(() => {
        listener.dispose();
        reject(new Error(`cell ${key} did not finish run ${count} within ${timeoutMs} ms (finished ${this.finishedRuns.get(key) ?? 0})`));
      }, timeoutMs);
      const listener = this.finished.event((finishedKey) => {
        if (finishedKey === key) check();
      });
      check();
    });
  }

  dispose(): void {
    this.finished.dispose();
  }
}

function cellKey(cell: vscode.NotebookCell): string {
  return cell.document.uri.toString();
}
