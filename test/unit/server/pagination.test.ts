import assert from 'node:assert/strict';
import { PageRequest, pageBody } from '../../../src/server/pagination';
import { encodePageToken, queryFingerprint } from '../../../src/server/wire';

const request = (query: string, defaultSize = 2): PageRequest => PageRequest.read(new URLSearchParams(query), defaultSize);
const letters = ['a', 'b', 'c', 'd', 'e'];
const key = (s: string): string => s;

describe('server pagination', () => {
  it('walks an ordered list page by page under either parameter spelling', () => {
    const seen: string[] = [];
    let query = 'pageSize=2';
    for (let pages = 0; pages < 10; pages++) {
      const paging = request(query);
      const page = paging.slice(letters, paging.resumeAfter(['letters']), key);
      seen.push(...page.items);
      if (page.nextPageToken === undefined) break;
      query = `page_size=2&page_token=${page.nextPageToken}`;
    }
    assert.deepEqual(seen, letters);
  });

  it('refuses a token issued for another query, naming pageToken', () => {
    const first = request('pageSize=1');
    const token = first.slice(letters, first.resumeAfter(['letters', 'filter one']), key).nextPageToken;
    assert.ok(token);
    assert.throws(() => request(`pageToken=${token}`).resumeAfter(['letters', 'filter two']), /pageToken: was issued for a different query/);
  });

  it('ends the listing when the cursor names an item that is gone', () => {
    const paging = request(`pageToken=${encodePageToken(queryFingerprint(['letters']), 'zz')}`);
    assert.deepEqual(paging.slice(letters, paging.resumeAfter(['letters']), key), { items: [] });
  });

  it('reads the size before the token, so a bad size is reported first', () => {
    assert.throws(() => request('pageSize=-1&pageToken=garbage'), /pageSize/);
  });

  it('omits an empty list and an absent token from the response body', () => {
    assert.deepEqual(pageBody('letters', { items: [] }, key), {});
    assert.deepEqual(pageBody('letters', { items: ['a'], nextPageToken: 't' }, (s) => s.toUpperCase()), { letters: ['A'], nextPageToken: 't' });
  });
});
