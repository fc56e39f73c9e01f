import { decodePageToken, encodePageToken, parsePageSize, queryFingerprint, queryParam } from './wire';

const MAX_PAGE_SIZE = 1000;

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/**
 * The paging of one list call (AIP-158): `pageSize` (or `page_size`), and a `pageToken` (or
 * `page_token`) that only the query which issued it accepts. The size is read first and the token
 * once the query is known, so a bad size is reported before a bad filter, and a bad filter before
 * a bad token.
 */
export class PageRequest {
  private fingerprint: string | undefined;

  private constructor(
    readonly size: number,
    private readonly token: string | null,
  ) {}

  static read(query: URLSearchParams, defaultSize: number): PageRequest {
    const size = parsePageSize(queryParam(query, 'pageSize'), defaultSize, MAX_PAGE_SIZE);
    return new PageRequest(size, queryParam(query, 'pageToken'));
  }

  /**
   * The key of the last item the previous page returned, or undefined on the first page.
   * `queryParts` names the query: collection, parent and filter (every parameter but the size).
   */
  resumeAfter(queryParts: unknown[]): string | undefined {
    this.fingerprint = queryFingerprint(queryParts);
    return this.token ? decodePageToken(this.token, this.fingerprint) : undefined;
  }

  /** A page of `items`; when `more` follow, its token resumes after the last item. */
  page<T>(items: T[], more: boolean, keyOf: (item: T) => string): Page<T> {
    if (this.fingerprint === undefined) throw new Error('PageRequest.page called before resumeAfter');
    if (!more || items.length === 0) return { items };
    return { items, nextPageToken: encodePageToken(this.fingerprint, keyOf(items[items.length - 1])) };
  }

  /** A page of an ordered in-memory list. A cursor naming no item (it was deleted) ends the listing. */
  slice<T>(list: readonly T[], cursor: string | undefined, keyOf: (item: T) => string): Page<T> {
    let start = 0;
    if (cursor !== undefined) {
      const i = list.findIndex((item) => keyOf(item) === cursor);
      start = i >= 0 ? i + 1 : list.length;
    }
    return this.page(list.slice(start, start + this.size), start + this.size < list.length, keyOf);
  }
}

/** A list response: the items under `field` (omitted when empty, as proto3 JSON does) and the next token. */
export function pageBody<T>(field: string, page: Page<T>, toWire: (item: T) => unknown): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (page.items.length > 0) body[field] = page.items.map(toWire);
  if (page.nextPageToken !== undefined) body.nextPageToken = page.nextPageToken;
  return body;
}
