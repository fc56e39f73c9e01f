import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServerError, badRequestDetail } from './httpErrors';
import type { FaultAction } from './faults';
import { parseRequestJson } from './wire';

/** Requests with a larger body are refused with 400 before they are read in full. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** One request and its response, as every route handler sees them. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  /** `prettyPrint` (default true): unary JSON is indented like the real API's. */
  pretty: boolean;
  /** The injected faults this request drew (see `/_faults`). */
  faults: FaultAction[];
}

export function sendJson(ex: Exchange, status: number, body: unknown): void {
  if (ex.res.headersSent || ex.res.destroyed) return;
  const text = ex.pretty ? JSON.stringify(body, null, 2) + '\n' : JSON.stringify(body);
  ex.res.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
  });
  ex.res.end(text);
}

export function sendError(ex: Exchange, error: ServerError): void {
  if (ex.res.headersSent || ex.res.destroyed) return;
  sendJson(ex, error.httpStatus, error.toEnvelope());
}

export function isPayloadTooLarge(error: ServerError): boolean {
  return error.message.startsWith('Request payload size exceeds');
}

async function readBody(ex: Exchange): Promise<Buffer> {
  const declared = Number(ex.req.headers['content-length']);
  const tooLarge = (): ServerError =>
    new ServerError('INVALID_ARGUMENT', `Request payload size exceeds the limit: ${MAX_BODY_BYTES} bytes.`, [
      badRequestDetail([{ field: '', description: `The request body must be at most ${MAX_BODY_BYTES} bytes (64 MiB).` }]),
    ]);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ex.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The request body parsed as JSON; an empty body is `{}`. */
export async function readJson(ex: Exchange): Promise<unknown> {
  const buf = await readBody(ex);
  const text = buf.toString('utf8').trim();
  if (text === '') return {};
  try {
    return parseRequestJson(text);
  } catch (e) {
    const message = `Invalid JSON payload received. ${(e as Error).message}.`.replace(/\.\.$/, '.');
    throw new ServerError('INVALID_ARGUMENT', message, [badRequestDetail([{ field: '', description: message }])]);
  }
}

/** Resolves when a response can take more bytes, or has closed. */
export function drained(res: Exchange['res']): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
