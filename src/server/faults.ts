import { invalidField } from './httpErrors';

export type FaultAction =
  | { action: 'status'; status: number; retryDelay?: string }
  | { action: 'cutStream'; afterChunks: number }
  | { action: 'delayHeaders'; ms: number }
  | { action: 'inBandError'; afterChunks: number; status: number }
  | { action: 'slowStream'; chunkDelayMs: number };

export type FaultRule = FaultAction & { match: string; count: number };

type Obj = Record<string, unknown>;

function nonNegativeInt(value: unknown, field: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalidField(field, `must be a non-negative integer; got ${JSON.stringify(value)}.`);
  }
  return value;
}

function httpStatus(value: unknown, field: string): number {
  const n = nonNegativeInt(value, field);
  if (n < 400 || n > 599) throw invalidField(field, `must be an HTTP error status between 400 and 599; got ${n}.`);
  return n;
}

export function parseRule(raw: unknown, i: number): FaultRule {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Obj;
  const at = (f: string): string => `rules[${i}].${f}`;
  if (typeof r.match !== 'string') throw invalidField(at('match'), 'is required: a substring of "<METHOD> <path>".');
  const count = nonNegativeInt(r.count, at('count'), 1);
  if (count < 1) throw invalidField(at('count'), 'must be at least 1.');
  const base = { match: r.match, count };
  switch (r.action) {
    case 'status': {
      if (r.retryDelay !== undefined && (typeof r.retryDelay !== 'string' || !/^\d+(\.\d+)?s$/.test(r.retryDelay))) {
        throw invalidField(at('retryDelay'), `must be a Duration such as "2s"; got ${JSON.stringify(r.retryDelay)}.`);
      }
      return { ...base, action: 'status', status: httpStatus(r.status, at('status')), ...(r.retryDelay ? { retryDelay: r.retryDelay as string } : {}) };
    }
    case 'cutStream':
      return { ...base, action: 'cutStream', afterChunks: nonNegativeInt(r.afterChunks, at('afterChunks'), 0) };
    case 'delayHeaders':
      return { ...base, action: 'delayHeaders', ms: nonNegativeInt(r.ms, at('ms')) };
    case 'inBandError':
      return { ...base, action: 'inBandError', afterChunks: nonNegativeInt(r.afterChunks, at('afterChunks'), 0), status: httpStatus(r.status ?? 500, at('status')) };
    case 'slowStream':
      return { ...base, action: 'slowStream', chunkDelayMs: nonNegativeInt(r.chunkDelayMs, at('chunkDelayMs')) };
    default:
      throw invalidField(at('action'), `must be one of status, cutStream, delayHeaders, inBandError, slowStream; got ${JSON.stringify(r.action)}.`);
  }
}

/** Rules that make the next matching requests misbehave, for testing clients. */
export class FaultInjector {
  private rules: FaultRule[] = [];

  add(rules: FaultRule[]): void {
    this.rules.push(...rules);
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** Consumes and returns every rule matching this request (one use each). */
  take(method: string, pathname: string): FaultAction[] {
    const subject = `${method} ${pathname}`;
    const hits: FaultAction[] = [];
    for (const rule of this.rules) {
      if (!subject.includes(rule.match)) continue;
      rule.count -= 1;
      const { match: _m, count: _c, ...action } = rule;
      hits.push(action as FaultAction);
    }
    this.rules = this.rules.filter((r) => r.count > 0);
    return hits;
  }
}
