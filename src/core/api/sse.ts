// Incremental server-sent-events parser for generation streams.
//
// Works on bytes so that the buffer cap counts real bytes and line ends are found with native
// Buffer.indexOf. Line ends are LF, CR or CRLF (a CRLF split across two reads is one line end).
// Every byte is scanned once: a partial line is kept as a list of pieces and joined only when
// its end arrives, so one event spread over many reads still costs O(its size).
//
// Besides the SSE fields it recognises a "bare" JSON block: lines that start with `{` outside
// any field. Backends write an error object that way into a stream that has already begun.

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const OPEN_BRACE = 0x7b;

export type SseEventKind =
  /** The joined `data` lines of one event. */
  | 'data'
  /** A JSON block written without any SSE field. */
  | 'bare'
  /** A line that is neither an SSE field, a comment, nor JSON. */
  | 'garbage';

export type SseEventHandler = (kind: SseEventKind, text: string) => void;

export const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

export class SseBufferOverflowError extends Error {
  override readonly name = 'SseBufferOverflowError';
  constructor(readonly limit: number) {
    super(`one server-sent event is larger than ${limit} bytes`);
  }
}

export interface SseEndState {
  /** Bytes of an unfinished event were left when the input ended. */
  leftover: boolean;
  /** The first bytes of the leftover, for messages. */
  leftoverSample: string;
}

export class SseParser {
  private readonly maxEventBytes: number;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private dataLines: string[] = [];
  private bareLines: string[] = [];
  private eventBytes = 0;
  private skipLeadingLF = false;
  private contentLineCount = 0;
  private atStart = true;

  constructor(
    private readonly onEvent: SseEventHandler,
    options: { maxEventBytes?: number } = {},
  ) {
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  }

  /** Feeds one network read. Throws SseBufferOverflowError when an event exceeds the cap. */
  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const length = buf.length;
    if (length === 0) return;
    let pos = 0;
    if (this.atStart) {
      this.atStart = false;
      if (length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
    }
    if (this.skipLeadingLF) {
      this.skipLeadingLF = false;
      if (buf[pos] === LF) pos++;
    }
    let nextLF = buf.indexOf(LF, pos);
    let nextCR = buf.indexOf(CR, pos);
    for (;;) {
      // Each search starts past the previous hit, so every byte is scanned at most once per kind.
      if (nextLF !== -1 && nextLF < pos) nextLF = buf.indexOf(LF, pos);
      if (nextCR !== -1 && nextCR < pos) nextCR = buf.indexOf(CR, pos);
      const end = nextLF === -1 ? nextCR : nextCR === -1 ? nextLF : Math.min(nextCR, nextLF);
      if (end === -1) break;
      let next = end + 1;
      if (buf[end] === CR) {
        if (next < length) {
          if (buf[next] === LF) next++;
        } else {
          this.skipLeadingLF = true;
        }
      }
      if (this.partialBytes > 0) {
        this.partial.push(buf.subarray(pos, end));
        const line = Buffer.concat(this.partial, this.partialBytes + (end - pos));
        this.partial = [];
        this.partialBytes = 0;
        this.line(line, 0, line.length);
      } else {
        this.line(buf, pos, end);
      }
      pos = next;
    }
    if (pos < length) {
      const rest = buf.subarray(pos);
      this.partial.push(Buffer.from(rest));
      this.partialBytes += rest.length;
      this.checkCap();
    }
  }

  /** Ends the input: dispatches a trailing bare JSON block and reports an unfinished event. */
  end(): SseEndState {
    let leftoverText = '';
    if (this.partialBytes > 0) {
      const line = Buffer.concat(this.partial, this.partialBytes);
      this.partial = [];
      this.partialBytes = 0;
      const text = line.toString('utf8');
      if (this.bareLines.length > 0 || (firstNonBlank(line, 0, line.length) === OPEN_BRACE)) {
        this.bareLines.push(text);
      } else {
        leftoverText = text;
      }
    }
    if (this.dataLines.length > 0) {
      leftoverText = this.dataLines.join('\n') + (leftoverText ? '\n' + leftoverText : '');
      this.dataLines = [];
    }
    if (this.bareLines.length > 0) {
      const bare = this.bareLines.join('\n');
      this.bareLines = [];
      this.onEvent('bare', bare);
    }
    this.eventBytes = 0;
    const trimmed = leftoverText.trim();
    return { leftover: trimmed.length > 0, leftoverSample: trimmed.slice(0, 80) };
  }

  /** Lines read that were neither comments nor blank: heartbeats (`:` comments) do not count. */
  get contentLines(): number {
    return this.contentLineCount;
  }

  /** An unfinished line that is not a comment is being received. */
  get receivingContent(): boolean {
    return this.partial.length > 0 && this.partial[0].length > 0 && this.partial[0][0] !== COLON;
  }

  private line(buf: Buffer, start: number, end: number): void {
    if (start === end) {
      this.dispatch();
      return;
    }
    if (buf[start] !== COLON) this.contentLineCount++;
    if (this.bareLines.length > 0) {
      this.bareLines.push(buf.toString('utf8', start, end));
      this.grow(end - start);
      return;
    }
    const first = buf[start];
    if (first === COLON) return;
    const fieldEnd = fieldNameEnd(buf, start, end);
    if (fieldEnd !== -1) {
      const nameLength = fieldEnd - start;
      if (nameLength === 4 && buf[start] === 0x64 && buf[start + 1] === 0x61 && buf[start + 2] === 0x74 && buf[start + 3] === 0x61) {
        let valueStart = fieldEnd < end ? fieldEnd + 1 : end;
        if (valueStart < end && buf[valueStart] === SPACE) valueStart++;
        this.dataLines.push(buf.toString('utf8', valueStart, end));
        this.grow(end - valueStart);
        return;
      }
      // event, id, retry and unknown fields carry nothing for a generation stream
      return;
    }
    const firstVisible = firstNonBlank(buf, start, end);
    if (firstVisible === -1) return;
    if (firstVisible === OPEN_BRACE) {
      this.bareLines.push(buf.toString('utf8', start, end));
      this.grow(end - start);
      return;
    }
    this.onEvent('garbage', buf.toString('utf8', start, Math.min(end, start + 80)));
  }

  private dispatch(): void {
    const lines = this.dataLines;
    const bare = this.bareLines;
    this.eventBytes = 0;
    if (lines.length > 0) {
      this.dataLines = [];
      this.onEvent('data', lines.length === 1 ? lines[0] : lines.join('\n'));
    }
    if (bare.length > 0) {
      this.bareLines = [];
      this.onEvent('bare', bare.join('\n'));
    }
  }

  private grow(bytes: number): void {
    this.eventBytes += bytes;
    this.checkCap();
  }

  private checkCap(): void {
    if (this.eventBytes + this.partialBytes > this.maxEventBytes) {
      this.partial = [];
      this.partialBytes = 0;
      this.dataLines = [];
      this.bareLines = [];
      this.eventBytes = 0;
      throw new SseBufferOverflowError(this.maxEventBytes);
    }
  }
}

/**
 * Index of the colon ending a field name, `end` for a line that is only a name, or -1 when the line
 * does not start with a field name (a short run of letters, digits, `_` or `-`).
 */
function fieldNameEnd(buf: Buffer, start: number, end: number): number {
  const limit = Math.min(end, start + 32);
  for (let i = start; i < limit; i++) {
    const c = buf[i];
    if (c === COLON) return i > start ? i : -1;
    const isNameByte = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d;
    if (!isNameByte) return -1;
  }
  return limit === end ? end : -1;
}

function firstNonBlank(buf: Buffer, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== SPACE && c !== 0x09) return c;
  }
  return -1;
}
