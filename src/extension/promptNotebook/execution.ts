import * as vscode from 'vscode';
import { ApiError, StreamInterruptedError } from '../../core/api/errors';
import type { GenerateContentRequest, GenerateContentResponse, Model } from '../../core/api/types';
import { PROMPT_LANGUAGE, type PromptSettings, type TunebookMetadata } from '../../core/promptNotebook/tunebookFormat';
import { describeFinish, describePromptBlocked, describeRunError, describeStats } from '../../core/promptNotebook/outcome';
import {
  type AnswerOutputMetadata,
  type ComparisonOutputMetadata,
  completedAnswer,
  expectedAnswer,
  type NoticeOutputMetadata,
  type RunStatsMetadata,
  type ScoreOutputMetadata,
} from '../../core/promptNotebook/outputMetadata';
import { buildPromptRequest, type ChatTurn } from '../../core/promptNotebook/generateRequest';
import { comparisonHtml, comparisonPlainText, type ComparisonSide } from '../../core/promptNotebook/comparison';
import { describeExampleScore } from '../../core/promptNotebook/evaluation';
import { FAILED_SCORE, scoreExample, type ExampleScore } from '../../core/promptNotebook/scoring';
import { outputText } from './serializer';
import { GenerationAccumulator, OutputBatcher, pumpStream } from '../../core/promptNotebook/streaming';

/** The part of the API client the notebook uses; `GeminiClient` is one. */
export interface NotebookClient {
  streamGenerateContent(model: string, request: GenerateContentRequest, opts?: { signal?: AbortSignal }): AsyncIterable<GenerateContentResponse>;
  readonly models: { listAll(): AsyncIterable<Model> };
}

export interface CellRunResult {
  ok: boolean;
  cancelled: boolean;
  /** Candidate 0's text (partial when not ok). */
  text: string;
  score?: ExampleScore;
  stats?: RunStatsMetadata;
}

export function isPromptCell(cell: vscode.NotebookCell): boolean {
  return cell.kind === vscode.NotebookCellKind.Code && cell.document.languageId === PROMPT_LANGUAGE;
}

export function notebookSettings(notebook: vscode.NotebookDocument): TunebookMetadata {
  return (notebook.metadata ?? {}) as TunebookMetadata;
}

export function cellSettings(cell: vscode.NotebookCell): PromptSettings {
  return (cell.metadata ?? {}) as PromptSettings;
}

export function cellAnswer(cell: vscode.NotebookCell): string | undefined {
  return completedAnswer(cell.outputs.map((o) => ({ metadata: o.metadata, text: outputText(o) })));
}

/** The request a prompt cell sends now: notebook settings, cell overrides and, in chat mode, the history above it. */
export function requestForCell(cell: vscode.NotebookCell): GenerateContentRequest {
  const notebook = cell.notebook;
  const earlier: ChatTurn[] = [];
  for (const other of notebook.getCells(new vscode.NotebookRange(0, cell.index))) {
    if (isPromptCell(other)) earlier.push({ prompt: other.document.getText(), answer: cellAnswer(other) });
  }
  return buildPromptRequest({ prompt: cell.document.getText(), notebook: notebookSettings(notebook), cell: cellSettings(cell), earlier });
}

const stdout = (text: string): vscode.NotebookCellOutputItem => vscode.NotebookCellOutputItem.stdout(text);

function notice(kind: NoticeOutputMetadata['kind'], text: string): vscode.NotebookCellOutput {
  const meta: NoticeOutputMetadata = { role: 'notice', kind };
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(text, 'text/plain')], { ...meta });
}

function errorOutput(name: string, message: string, kind: NoticeOutputMetadata['kind'] = 'error'): vscode.NotebookCellOutput {
  const meta: NoticeOutputMetadata = { role: 'notice', kind };
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error({ name, message, stack: '' })], { ...meta });
}

function scoreOutput(expected: string, score: ExampleScore): vscode.NotebookCellOutput {
  const meta: ScoreOutputMetadata = { role: 'score', expected, ...score };
  const headline = describeExampleScore(score);
  const markdown = score.exactMatch ? `**${headline}**` : `**${headline}**\n\nExpected:\n\n\`\`\`\n${expected.replace(/```/g, '`\u200b``')}\n\`\`\``;
  return new vscode.NotebookCellOutput(
    [vscode.NotebookCellOutputItem.text(markdown, 'text/markdown'), vscode.NotebookCellOutputItem.text(`${headline}\nExpected: ${expected}`, 'text/plain')],
    { ...meta },
  );
}

/** Told what the runner sends and when a run has finished; only the test hooks listen. */
export interface PromptRunObserver {
  requestSent(cell: vscode.NotebookCell, request: GenerateContentRequest): void;
  /** The run's outputs are written and its execution has ended. */
  runFinished(cell: vscode.NotebookCell): void;
}

/** Runs prompt cells: one streaming request per cell, written into the cell's outputs in batches. */
export class PromptRunner {
  private readonly executionOrders = new Map<string, number>();

  constructor(
    private readonly getClient: () => Promise<NotebookClient>,
    private readonly log: vscode.LogOutputChannel,
    private readonly observer?: PromptRunObserver,
  ) {}

  /** Runs cells in order; with `stopOnFailure` (Run All), stops at the first that fails or is cancelled. */
  async runCells(
    controller: vscode.NotebookController,
    cells: readonly vscode.NotebookCell[],
    model: string,
    options: { stopOnFailure: boolean } = { stopOnFailure: true },
  ): Promise<CellRunResult[]> {
    const results: CellRunResult[] = [];
    for (const cell of cells) {
      if (!isPromptCell(cell)) continue;
      const result = await this.runCell(controller, cell, model);
      results.push(result);
      if (result.cancelled || (!result.ok && options.stopOnFailure)) break;
    }
    return results;
  }

  private nextOrder(notebook: vscode.NotebookDocument): number {
    const key = notebook.uri.toString();
    const next = (this.executionOrders.get(key) ?? 0) + 1;
    this.executionOrders.set(key, next);
    return next;
  }

  async runCell(controller: vscode.NotebookController, cell: vscode.NotebookCell, model: string): Promise<CellRunResult> {
    const execution = controller.createNotebookCellExecution(cell);
    execution.executionOrder = this.nextOrder(cell.notebook);
    const startedAt = performance.now();
    execution.start(Date.now());
    const abort = new AbortController();
    let cancelRequestedAt: number | undefined;
    const onCancel = (): void => {
      if (cancelRequestedAt === undefined) this.log.info(`[notebook] cancel requested for cell ${cell.index + 1}`);
      cancelRequestedAt ??= performance.now();
      abort.abort();
    };
    const cancelListener = execution.token.onCancellationRequested(onCancel);
    if (execution.token.isCancellationRequested) onCancel();
    let ended = false;
    const end = (ok: boolean): void => {
      if (ended) return;
      ended = true;
      execution.end(ok, Date.now());
    };

    try {
      await execution.clearOutput();
      const request = requestForCell(cell);
      this.observer?.requestSent(cell, request);
      const accumulator = new GenerationAccumulator(() => performance.now());
      const streaming = new Map<number, vscode.NotebookCellOutput>();
      const writes: Thenable<void>[] = [];
      const batcher = new OutputBatcher({
        open: (candidate, text) => {
          const output = new vscode.NotebookCellOutput([stdout(text)], { role: 'answer', model, candidateIndex: candidate });
          streaming.set(candidate, output);
          writes.push(execution.appendOutput(output));
        },
        append: (candidate, text) => {
          writes.push(execution.appendOutputItems(stdout(text), streaming.get(candidate)!));
        },
      });

      let failure: unknown;
      try {
        const client = await this.getClient();
        await pumpStream(client.streamGenerateContent(model, request, { signal: abort.signal }), accumulator, batcher);
      } catch (e) {
        failure = e;
      }
      const stoppedAt = performance.now();
      const received = failure instanceof StreamInterruptedError || failure instanceof ApiError ? failure.received : undefined;
      if (received && received.length > accumulator.chunkCount) {
        for (const chunk of received.slice(accumulator.chunkCount)) accumulator.add(chunk);
      }
      await Promise.allSettled(writes);

      const cancelled = failure !== undefined && abort.signal.aborted;
      const stats: RunStatsMetadata = {
        totalMs: Math.round(stoppedAt - startedAt),
        updates: batcher.updates,
        ...(accumulator.firstTokenAt !== undefined ? { timeToFirstTokenMs: Math.round(accumulator.firstTokenAt - startedAt) } : {}),
        ...(accumulator.usage ? { usage: accumulator.usage } : {}),
        ...(cancelled && cancelRequestedAt !== undefined ? { cancelLatencyMs: Math.round(stoppedAt - cancelRequestedAt) } : {}),
      };

      const outputs: vscode.NotebookCellOutput[] = [];
      let text = '';
      for (const candidate of accumulator.sortedCandidates()) {
        if (candidate.index === 0) text = candidate.text;
        const meta: AnswerOutputMetadata = {
          role: 'answer',
          model,
          candidateIndex: candidate.index,
          ...(candidate.finishReason ? { finishReason: candidate.finishReason } : {}),
          ...(cancelled ? { cancelled: true } : {}),
          ...(failure !== undefined && !cancelled ? { interrupted: true } : {}),
          ...(candidate.index === 0 ? { stats } : {}),
        };
        outputs.push(new vscode.NotebookCellOutput([stdout(candidate.text)], { ...meta }));
        const finish = describeFinish(candidate.finishReason, candidate.safetyRatings, candidate.finishMessage);
        if (finish) outputs.push(notice('finish', accumulator.candidates.size > 1 ? `Candidate ${candidate.index + 1}: ${finish}` : finish));
      }
      const blocked = accumulator.candidates.size === 0 ? describePromptBlocked(accumulator.promptFeedback) : undefined;
      if (blocked) outputs.push(errorOutput('Prompt blocked', blocked, 'blocked'));
      if (cancelled) {
        outputs.push(notice('cancelled', `⏹ Cancelled after ${describeStats(stats)}. ${text ? 'The text above is what arrived before the run was stopped.' : 'No text had arrived.'}`));
      } else if (failure !== undefined) {
        const report = describeRunError(failure, model);
        outputs.push(errorOutput(report.name, report.message));
        this.log.warn(`[notebook] ${model}: ${failure instanceof ApiError ? failure.describe() : report.message}`);
      }
      const ok = failure === undefined && !blocked;
      const expected = expectedAnswer(cell.metadata);
      let score: ExampleScore | undefined;
      if (expected !== undefined && !cancelled) {
        score = ok ? scoreExample(text, expected) : FAILED_SCORE;
        outputs.push(scoreOutput(expected, score));
      }
      await replaceOutputs(execution, outputs);
      end(ok);
      this.log.info(`[notebook] ran cell ${cell.index + 1} on ${model}: ${ok ? 'ok' : cancelled ? 'cancelled' : 'failed'} · ${describeStats(stats)} · ${stats.updates} updates`);
      return { ok, cancelled, text, stats, ...(score ? { score } : {}) };
    } catch (unexpected) {
      await this.reportUnexpected(execution, `running cell ${cell.index + 1}`, unexpected);
      end(false);
      return { ok: false, cancelled: false, text: '' };
    } finally {
      cancelListener.dispose();
      end(false);
      this.observer?.runFinished(cell);
    }
  }

  /** Runs one cell on the tuned model and on its base model at once, and shows both answers side by side. */
  async compareCell(controller: vscode.NotebookController, cell: vscode.NotebookCell, tunedModel: string, baseModel: string): Promise<CellRunResult> {
    const execution = controller.createNotebookCellExecution(cell);
    execution.executionOrder = this.nextOrder(cell.notebook);
    const startedAt = performance.now();
    execution.start(Date.now());
    const abort = new AbortController();
    const cancelListener = execution.token.onCancellationRequested(() => abort.abort());
    let ended = false;
    const end = (ok: boolean): void => {
      if (!ended) {
        ended = true;
        execution.end(ok, Date.now());
      }
    };
    try {
      await execution.clearOutput();
      const request = requestForCell(cell);
      const client = await this.getClient();
      const writes: Thenable<void>[] = [];
      const runOne = async (model: string, label: string): Promise<{ text: string; failure?: unknown; finish?: string; stats: RunStatsMetadata }> => {
        const accumulator = new GenerationAccumulator(() => performance.now());
        let output: vscode.NotebookCellOutput | undefined;
        const batcher = new OutputBatcher({
          open: (candidate, text) => {
            if (candidate !== 0) return;
            output = new vscode.NotebookCellOutput([stdout(`── ${label}: ${model} ──\n${text}`)]);
            writes.push(execution.appendOutput(output));
          },
          append: (candidate, text) => {
            if (candidate === 0 && output) writes.push(execution.appendOutputItems(stdout(text), output));
          },
        });
        const statsNow = (): RunStatsMetadata => ({
          totalMs: Math.round(performance.now() - startedAt),
          updates: batcher.updates,
          ...(accumulator.firstTokenAt !== undefined ? { timeToFirstTokenMs: Math.round(accumulator.firstTokenAt - startedAt) } : {}),
          ...(accumulator.usage ? { usage: accumulator.usage } : {}),
        });
        try {
          await pumpStream(client.streamGenerateContent(model, { ...request, generationConfig: { ...request.generationConfig, candidateCount: 1 } }, { signal: abort.signal }), accumulator, batcher);
          const first = accumulator.candidates.get(0);
          return { text: first?.text ?? '', finish: describeFinish(first?.finishReason, first?.safetyRatings, first?.finishMessage), stats: statsNow() };
        } catch (failure) {
          return { text: accumulator.candidates.get(0)?.text ?? '', failure, stats: statsNow() };
        }
      };
      const [tuned, base] = await Promise.all([runOne(tunedModel, 'tuned'), runOne(baseModel, 'base')]);
      await Promise.allSettled(writes);
      const meta: ComparisonOutputMetadata = {
        role: 'comparison',
        tunedModel,
        baseModel,
        tunedText: tuned.text,
        baseText: base.text,
        tunedComplete: tuned.failure === undefined,
        baseComplete: base.failure === undefined,
        tunedStats: tuned.stats,
        baseStats: base.stats,
      };
      const incomplete = (result: { failure?: unknown }): string | undefined =>
        result.failure === undefined ? undefined : abort.signal.aborted ? 'cancelled' : 'failed';
      const tunedSide: ComparisonSide = { role: 'Tuned', model: tunedModel, text: tuned.text, stats: tuned.stats, incomplete: incomplete(tuned) };
      const baseSide: ComparisonSide = { role: 'Base', model: baseModel, text: base.text, stats: base.stats, incomplete: incomplete(base) };
      const outputs = [
        new vscode.NotebookCellOutput(
          [vscode.NotebookCellOutputItem.text(comparisonHtml(tunedSide, baseSide), 'text/html'), vscode.NotebookCellOutputItem.text(comparisonPlainText(tunedSide, baseSide), 'text/plain')],
          { ...meta },
        ),
      ];
      for (const [side, result] of [['Tuned', tuned], ['Base', base]] as const) {
        if (result.finish) outputs.push(notice('finish', `${side}: ${result.finish}`));
        if (result.failure !== undefined) {
          const cancelled = abort.signal.aborted;
          const report = cancelled ? { name: 'Cancelled', message: 'The run was cancelled.' } : describeRunError(result.failure, side === 'Tuned' ? tunedModel : baseModel);
          outputs.push(errorOutput(`${side}: ${report.name}`, report.message, cancelled ? 'cancelled' : 'error'));
        }
      }
      await replaceOutputs(execution, outputs);
      const ok = tuned.failure === undefined && base.failure === undefined;
      end(ok);
      this.log.info(`[notebook] compared ${tunedModel} with ${baseModel} in ${Math.round(performance.now() - startedAt)} ms`);
      return { ok, cancelled: abort.signal.aborted, text: tuned.text };
    } catch (unexpected) {
      await this.reportUnexpected(execution, 'comparison', unexpected);
      end(false);
      return { ok: false, cancelled: false, text: '' };
    } finally {
      cancelListener.dispose();
      end(false);
      this.observer?.runFinished(cell);
    }
  }

  private async reportUnexpected(execution: vscode.NotebookCellExecution, what: string, unexpected: unknown): Promise<void> {
    this.log.error(`[notebook] ${what} failed: ${unexpected instanceof Error ? (unexpected.stack ?? unexpected.message) : String(unexpected)}`);
    try {
      await execution.appendOutput(errorOutput('Error', unexpected instanceof Error ? unexpected.message : String(unexpected)));
    } catch {
      // the cell may be gone; ending the execution is what matters
    }
  }
}

/**
 * The host treats a replacement whose items equal the streamed output's as no change and keeps
 * the old metadata (stats, cancelled, interrupted), so the outputs are cleared first.
 */
async function replaceOutputs(execution: vscode.NotebookCellExecution, outputs: vscode.NotebookCellOutput[]): Promise<void> {
  await execution.clearOutput();
  await execution.appendOutput(outputs);
}
