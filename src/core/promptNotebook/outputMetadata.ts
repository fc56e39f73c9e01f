/** What the notebook stores in each output's metadata, so runs can be read back (history, status bar, scoring). */
import type { UsageMetadata } from '../api/types';

export interface RunStatsMetadata {
  timeToFirstTokenMs?: number;
  totalMs: number;
  usage?: UsageMetadata;
  /** Number of output updates written while streaming. */
  updates: number;
  /** ms from the cancel request until the HTTP stream had stopped. */
  cancelLatencyMs?: number;
}

export interface AnswerOutputMetadata {
  role: 'answer';
  model: string;
  candidateIndex: number;
  finishReason?: string;
  /** The run was cancelled: this is the text that arrived before. */
  cancelled?: boolean;
  /** The stream broke or the API failed mid-stream: this is the text that arrived before. */
  interrupted?: boolean;
  /** Only on candidate 0. */
  stats?: RunStatsMetadata;
}

export interface ComparisonOutputMetadata {
  role: 'comparison';
  tunedModel: string;
  baseModel: string;
  tunedText: string;
  baseText: string;
  tunedComplete: boolean;
  baseComplete: boolean;
  /** Each side's tokens and timings, as an answer's `stats`. */
  tunedStats?: RunStatsMetadata;
  baseStats?: RunStatsMetadata;
}

export interface ScoreOutputMetadata {
  role: 'score';
  expected: string;
  exactMatch: boolean;
  tokenF1: number;
  editSimilarity: number;
}

export interface NoticeOutputMetadata {
  role: 'notice';
  kind: 'finish' | 'cancelled' | 'blocked' | 'error';
}

export type PromptOutputMetadata = AnswerOutputMetadata | ComparisonOutputMetadata | ScoreOutputMetadata | NoticeOutputMetadata;

export interface OutputLike {
  metadata?: Record<string, unknown>;
  text: string;
}

/** The completed answer (candidate 0) among a cell's outputs, as chat history and scoring use it. */
export function completedAnswer(outputs: readonly OutputLike[]): string | undefined {
  for (const output of outputs) {
    const meta = output.metadata as Partial<PromptOutputMetadata> | undefined;
    if (meta?.role === 'answer') {
      const answer = meta as AnswerOutputMetadata;
      if (answer.candidateIndex === 0 && !answer.cancelled && !answer.interrupted) return output.text;
    }
    if (meta?.role === 'comparison') {
      const comparison = meta as ComparisonOutputMetadata;
      if (comparison.tunedComplete) return comparison.tunedText;
    }
  }
  return undefined;
}

/** Evaluation cells carry their reference answer here. */
export interface EvaluationCellMetadata {
  evaluation?: { expected: string };
}

export function expectedAnswer(cellMetadata: Record<string, unknown> | undefined): string | undefined {
  const evaluation = (cellMetadata as EvaluationCellMetadata | undefined)?.evaluation;
  return evaluation && typeof evaluation.expected === 'string' ? evaluation.expected : undefined;
}
