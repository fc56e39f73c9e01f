import { ApiError, StreamInterruptedError, type StreamInterruption } from './errors';
import { SseBufferOverflowError, SseParser, type SseEventKind } from './sse';
import { AttemptControl, encodeName, formatMs, type Call, type Transport } from './transport';
import type { ErrorEnvelope, GenerateContentResponse } from './types';


/** The call that streams a model's or endpoint's answer as server-sent events; never retried. */
export function streamGenerateContentCall(method: string, resource: string, request: unknown, signal: AbortSignal | undefined, apiVersion?: Call['apiVersion']): Call {
  return {
    method,
    httpMethod: 'POST',
    ...(apiVersion ? { apiVersion } : {}),
    path: `${encodeName(resource)}:streamGenerateContent`,
    query: { alt: 'sse' },
    body: request,
    resource,
    idempotent: false,
    signal,
  };
}
/**
 * Runs one generation stream (`alt=sse`) over `transport`, for every API that streams
 * GenerateContentResponse chunks (the Gemini API, the local server, Vertex AI endpoints). Yields
 * each chunk as it arrives. Throws ApiError for an error response or an error inside the stream,
 * StreamInterruptedError (with the chunks received so far) when the stream stops early, and
 * NetworkError kind `aborted` when the call's signal aborts. Never retried.
 */
export async function* streamGeneration(transport: Transport, call: Call, idleMs: number): AsyncGenerator<GenerateContentResponse, void, undefined> {
  const control = new AttemptControl(call.signal);
  const received: GenerateContentResponse[] = [];
  const started = Date.now();
  const interrupted = (reason: StreamInterruption, detail: string, cause?: unknown) =>
    new StreamInterruptedError({
      reason,
      message: transport.redactor.redact(
        `${call.method} ${call.resource}: the stream stopped after ${received.length} chunk${received.length === 1 ? '' : 's'}: ${detail}`,
      ),
      method: call.method,
      resource: call.resource,
      received,
      cause: transport.redactor.sanitizeCause(cause),
    });
  const idleError = () => interrupted('idle', `no data arrived for ${formatMs(idleMs)}`);
  const failure = (err: unknown): Error => {
    if (control.reason === 'caller' || call.signal?.aborted) return transport.abortedError(call);
    if (control.reason === 'idle') return idleError();
    if (err instanceof ApiError || err instanceof StreamInterruptedError) return err;
    if (err instanceof SseBufferOverflowError) return interrupted('tooLarge', err.message);
    const network = transport.networkError(call, err, control, idleMs);
    return interrupted('connection', network.message.replace(`${call.method}: `, ''), err);
  };

  control.arm(idleMs, 'idle');
  let body: Awaited<ReturnType<Transport['open']>>['body'] | undefined;
  let finished = false;
  try {
    let response: Awaited<ReturnType<Transport['open']>>;
    try {
      response = await transport.open(call, control, { accept: 'text/event-stream' });
    } catch (err) {
      throw failure(err);
    }
    body = response.body;
    const contentType = String(response.headers['content-type'] ?? '');
    if (response.statusCode < 200 || response.statusCode >= 300 || contentType.includes('application/json')) {
      // Read piece by piece so that the idle timer restarts on every byte, as for SSE: a slow
      // array that keeps arriving is not idle.
      const pieces: Buffer[] = [];
      try {
        for await (const piece of response.body) {
          control.arm(idleMs, 'idle');
          pieces.push(piece as Buffer);
        }
      } catch (err) {
        throw failure(err);
      }
      const text = Buffer.concat(pieces).toString('utf8');
      finished = true;
      transport.log(`POST ${transport.describePath(call)} ${response.statusCode} ${Date.now() - started}ms`);
      if (response.statusCode < 200 || response.statusCode >= 300) {
        throw transport.apiError(call, response.statusCode, response.headers, text);
      }
      // The backend ignored alt=sse and sent the whole stream as one JSON array.
      for (const chunk of parseJsonStream(text)) {
        if ('error' in chunk && chunk.error && typeof chunk.error === 'object') {
          throw transport.inBandError(call, chunk.error as ErrorEnvelope['error'], received);
        }
        received.push(chunk);
      }
      if (call.signal?.aborted) throw transport.abortedError(call);
      for (const chunk of received) yield chunk;
      return;
    }

    const progress = new CompletionTracker();
    const pending: (SseEventKind | string)[] = [];
    const parser = new SseParser((kind, text) => {
      pending.push(kind, text);
    });
    const toChunk = (kind: SseEventKind, text: string): GenerateContentResponse | undefined => {
      if (kind === 'garbage') throw interrupted('malformed', `unexpected bytes in the stream: ${JSON.stringify(text)}`);
      const trimmed = text.trim();
      if (trimmed === '' || trimmed === '[DONE]') return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed);
      } catch {
        throw interrupted('malformed', `an event is not valid JSON: ${JSON.stringify(trimmed.slice(0, 80))}`);
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw interrupted('malformed', `an event is not a JSON object: ${JSON.stringify(trimmed.slice(0, 80))}`);
      }
      const error = (parsed as { error?: unknown }).error;
      if (error && typeof error === 'object') {
        throw transport.inBandError(call, error as ErrorEnvelope['error'], received);
      }
      return parsed as GenerateContentResponse;
    };

    const iterator = body[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await iterator.next();
      } catch (err) {
        throw failure(err);
      }
      if (next.done) break;
      const linesBefore = parser.contentLines;
      try {
        parser.push(next.value);
      } catch (err) {
        throw failure(err);
      }
      // Only content restarts the idle timer: a stream of nothing but heartbeat comments ends by it.
      if (parser.contentLines !== linesBefore || parser.receivingContent) control.arm(idleMs, 'idle');
      if (pending.length === 0) continue;
      const events = pending.splice(0);
      for (let i = 0; i < events.length; i += 2) {
        const chunk = toChunk(events[i] as SseEventKind, events[i + 1]);
        if (!chunk) continue;
        received.push(chunk);
        progress.add(chunk);
        if (call.signal?.aborted) throw transport.abortedError(call);
        control.disarm();
        yield chunk;
        if (call.signal?.aborted) throw transport.abortedError(call);
        control.arm(idleMs, 'idle');
      }
    }
    finished = true;
    control.disarm();
    const end = parser.end();
    for (let i = 0; i < pending.length; i += 2) {
      const chunk = toChunk(pending[i] as SseEventKind, pending[i + 1]);
      if (!chunk) continue;
      received.push(chunk);
      progress.add(chunk);
      if (call.signal?.aborted) throw transport.abortedError(call);
      yield chunk;
    }
    transport.log(`POST ${transport.describePath(call)} 200 ${received.length} chunks ${Date.now() - started}ms`);
    if (end.leftover) {
      throw interrupted('leftover', `it ended in the middle of an event (${JSON.stringify(end.leftoverSample)})`);
    }
    if (!progress.complete) {
      throw interrupted('unfinished', 'it ended before any candidate had a finishReason');
    }
  } finally {
    control.dispose();
    if (body && !finished) body.destroy();
  }
}

/** Tracks whether every candidate of a stream reached a finishReason (or the prompt was blocked). */
class CompletionTracker {
  private readonly unfinished = new Set<number>();
  private readonly finished = new Set<number>();
  private blocked = false;

  add(chunk: GenerateContentResponse): void {
    if (chunk.promptFeedback?.blockReason) this.blocked = true;
    for (const candidate of chunk.candidates ?? []) {
      const index = candidate.index ?? 0;
      if (candidate.finishReason) {
        this.finished.add(index);
        this.unfinished.delete(index);
      } else if (!this.finished.has(index)) {
        this.unfinished.add(index);
      }
    }
  }

  get complete(): boolean {
    return this.blocked || (this.finished.size > 0 && this.unfinished.size === 0);
  }
}

function parseJsonStream(text: string): GenerateContentResponse[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const parsed = JSON.parse(trimmed) as unknown;
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.filter((x): x is GenerateContentResponse => !!x && typeof x === 'object');
}

