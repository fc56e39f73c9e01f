import { isUtf8 } from 'node:buffer';
import { CancelledError } from './specFileSystem';

export interface TextLine {
  /** One-based. */
  number: number;
  /** The decoded text without the line break; with U+FFFD replacements when not `valid`. */
  text: string;
  /** False when the line's bytes are not valid UTF-8. */
  valid: boolean;
}

export class BinaryFileError extends Error {
  constructor(readonly line: number) {
    super(`binary content at line ${line}`);
  }
}

const NEWLINE = 0x0a;
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

function stripCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/**
 * Splits a byte stream into lines, in batches of whole lines per chunk. Bytes are checked as
 * strict UTF-8, so that one bad byte is reported at its line instead of silently becoming
 * U+FFFD. A NUL byte means the file is binary, not text, and stops the reading.
 */
export async function* readLineBatches(
  chunks: AsyncIterable<Uint8Array>,
  options: { signal?: AbortSignal; onBytes?: (bytesRead: number) => void } = {},
): AsyncGenerator<TextLine[]> {
  let pending: Buffer = Buffer.alloc(0);
  let lineNumber = 0;
  let bytesRead = 0;
  let first = true;

  const split = (region: Buffer): TextLine[] => {
    const nul = region.indexOf(0);
    if (nul >= 0) {
      let line = lineNumber + 1;
      for (let i = region.indexOf(NEWLINE); i >= 0 && i < nul; i = region.indexOf(NEWLINE, i + 1)) line++;
      throw new BinaryFileError(line);
    }
    if (first) {
      first = false;
      if (region[0] === 0xef && region[1] === 0xbb && region[2] === 0xbf) region = region.subarray(3);
    }
    const out: TextLine[] = [];
    if (isUtf8(region)) {
      for (const text of region.toString('utf8').split('\n')) out.push({ number: ++lineNumber, text: stripCr(text), valid: true });
      return out;
    }
    let start = 0;
    for (;;) {
      const nl = region.indexOf(NEWLINE, start);
      const bytes = region.subarray(start, nl < 0 ? region.length : nl);
      let text: string;
      let valid = true;
      try {
        text = strictDecoder.decode(bytes);
      } catch {
        text = bytes.toString('utf8');
        valid = false;
      }
      out.push({ number: ++lineNumber, text: stripCr(text), valid });
      if (nl < 0) return out;
      start = nl + 1;
    }
  };

  for await (const raw of chunks) {
    if (options.signal?.aborted) throw new CancelledError();
    const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    bytesRead += chunk.length;
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    if (lastNewline < 0) {
      pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    } else {
      const head = chunk.subarray(0, lastNewline);
      const region = pending.length > 0 ? Buffer.concat([pending, head]) : head;
      pending = chunk.subarray(lastNewline + 1);
      yield split(region);
    }
    options.onBytes?.(bytesRead);
  }
  if (pending.length > 0) yield split(pending);
}

/** Line by line, for callers that need no batching. */
export async function* readLines(
  chunks: AsyncIterable<Uint8Array>,
  options: { signal?: AbortSignal; onBytes?: (bytesRead: number) => void } = {},
): AsyncGenerator<TextLine> {
  for await (const batch of readLineBatches(chunks, options)) yield* batch;
}
