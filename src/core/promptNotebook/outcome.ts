/** Plain-language text for how a generation ended: finish reasons, safety, usage, errors. */
import { ApiError, NetworkError, StreamInterruptedError } from '../api/errors';
import type { FinishReason, PromptFeedback, SafetyRating, UsageMetadata } from '../api/types';

const FINISH_EXPLANATIONS: Partial<Record<FinishReason, string>> = {
  MAX_TOKENS: 'the answer reached maxOutputTokens and was cut off',
  SAFETY: 'the answer was stopped by the safety filters',
  RECITATION: 'the answer was stopped because it recited training data',
  LANGUAGE: 'the answer was stopped: unsupported language',
  OTHER: 'the answer was stopped for an unspecified reason',
  BLOCKLIST: 'the answer contained a blocklisted term',
  PROHIBITED_CONTENT: 'the answer was stopped for prohibited content',
  SPII: 'the answer was stopped because it contained sensitive personal information',
  MALFORMED_FUNCTION_CALL: 'the model produced a malformed function call',
  FINISH_REASON_UNSPECIFIED: 'the API did not say why the answer ended',
};

/** Undefined for a normal STOP; otherwise one plain sentence (with safety ratings when there are any). */
export function describeFinish(
  reason: FinishReason | undefined,
  ratings: readonly SafetyRating[] | undefined,
  finishMessage?: string,
): string | undefined {
  if (reason === undefined || reason === 'STOP') return undefined;
  const why = FINISH_EXPLANATIONS[reason] ?? 'the answer ended early';
  let text = `Finish reason ${reason}: ${why}.`;
  if (finishMessage) text += ` ${finishMessage}`;
  const rated = describeRatings(ratings, reason === 'SAFETY');
  if (rated) text += `\nSafety ratings: ${rated}`;
  return text;
}

/** Ratings above NEGLIGIBLE (all of them when `all`), e.g. "HARASSMENT: MEDIUM (blocked)". */
export function describeRatings(ratings: readonly SafetyRating[] | undefined, all: boolean): string | undefined {
  const shown = (ratings ?? []).filter((r) => all || r.blocked || (r.probability !== 'NEGLIGIBLE' && r.probability !== 'HARM_PROBABILITY_UNSPECIFIED'));
  if (shown.length === 0) return undefined;
  return shown
    .map((r) => `${r.category.replace(/^HARM_CATEGORY_/, '')}: ${r.probability}${r.blocked ? ' (blocked)' : ''}`)
    .join(', ');
}

export function describePromptBlocked(feedback: PromptFeedback | undefined): string | undefined {
  if (!feedback?.blockReason) return undefined;
  const rated = describeRatings(feedback.safetyRatings, true);
  return `The prompt was blocked (${feedback.blockReason}); no answer was generated.${rated ? `\nSafety ratings: ${rated}` : ''}`;
}

export interface RunStats {
  /** ms from request start to first text, undefined when no text came. */
  timeToFirstTokenMs?: number;
  totalMs: number;
  usage?: UsageMetadata;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** e.g. "12 → 40 tokens · first token 85 ms · 1.20 s" */
export function describeStats(stats: RunStats): string {
  const parts: string[] = [];
  const u = stats.usage;
  if (u && (u.promptTokenCount !== undefined || u.candidatesTokenCount !== undefined)) {
    parts.push(`${u.promptTokenCount ?? '?'} → ${u.candidatesTokenCount ?? '?'} tokens`);
  } else if (u?.totalTokenCount !== undefined) {
    parts.push(`${u.totalTokenCount} tokens`);
  }
  if (stats.timeToFirstTokenMs !== undefined) parts.push(`first token ${formatDuration(stats.timeToFirstTokenMs)}`);
  parts.push(formatDuration(stats.totalMs));
  return parts.join(' · ');
}

export interface ErrorReport {
  name: string;
  message: string;
}

/** The error output for a failed run: the API's own message and status, or what happened to the connection. */
export function describeRunError(err: unknown, model: string): ErrorReport {
  if (err instanceof ApiError) {
    const code = err.status ? `${err.httpStatus} ${err.status}` : `HTTP ${err.httpStatus}`;
    const inStream = err.received ? ' (inside the stream, after part of the answer)' : '';
    return { name: `API error ${code}`, message: `${err.message}${inStream}` };
  }
  if (err instanceof StreamInterruptedError) {
    return {
      name: 'Stream interrupted',
      message: `The answer from ${model} was interrupted before it finished (${err.reason}): ${err.message}. The text above is what arrived.`,
    };
  }
  if (err instanceof NetworkError) {
    return { name: `Network error (${err.kind})`, message: err.message };
  }
  return { name: 'Error', message: err instanceof Error ? err.message : String(err) };
}
