import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { NetworkError } from '../../../src/core/api/errors';
import { LoopbackProxy } from './loopbackProxy';
import { clientFor, rejection } from './testServer';

// A self-signed certificate for 127.0.0.1 and localhost, valid until 2126, made for these tests only.
const CERT = `-----BEGIN CERTIFICATE-----
MIIBmjCCAUGgAwIBAgIUQihnRNPqNmZGLoMZNE2gmH/r+q4wCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMTE2MzMzOVoYDzIxMjYxMDI4
MTYzMzM5WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARy5nzA1uP/O1OPM1TIrT4Og+E+Pm+ITPkd31Q0VJIgwMNKejkYiQVa
DC60PvAPS3V33gmlrBGNh27Z1BO3mDU8o28wbTAdBgNVHQ4EFgQUUXCQl2rjLjxz
S9w8SXQgN1MhDs8wHwYDVR0jBBgwFoAUUXCQl2rjLjxzS9w8SXQgN1MhDs8wDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI
zj0EAwIDRwAwRAIgDR4wtX2v4Acn6pBGNjfzi2BqfI0PNjIxNVq31Bar4nwCIDng
tnTGTwWOWEy2Aj9PrUY6HRg9FVHbWYYKpqB7MkNo
-----END CERTIFICATE-----
`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgNRdltxdl82H3nN5Z
uIbCEjYUjt5oaiP608lsgyHIo0uhRANCAARy5nzA1uP/O1OPM1TIrT4Og+E+Pm+I
TPkd31Q0VJIgwMNKejkYiQVaDC60PvAPS3V33gmlrBGNh27Z1BO3mDU8
-----END PRIVATE KEY-----
`;

describe('api/TLS and strictSSL', () => {
  let server: Server;
  let url: string;
  let proxy: LoopbackProxy;
  let hits = 0;

  before(async () => {
    server = createServer({ cert: CERT, key: KEY }, (_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"models":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    proxy = new LoopbackProxy();
    await proxy.start();
  });
  after(async () => {
    await proxy.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => (hits = 0));

  it('refuses a self-signed certificate by default, as a tls error', async () => {
    const client = clientFor(url, { retry: false });
    const err = await rejection(client.models.list());
    await client.destroy();
    assert.ok(err instanceof NetworkError);
    assert.equal(err.kind, 'tls');
    assert.match(err.message, /could not connect to https:\/\/127\.0\.0\.1:\d+: TLS error \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
    assert.equal(hits, 0);
  });

  it('accepts it with strictSSL: false', async () => {
    const client = clientFor(url, { proxy: { strictSSL: false } });
    assert.deepEqual(await client.models.list(), { models: [] });
    await client.destroy();
    assert.equal(hits, 1);
  });

  it('tunnels https through a proxy, honouring strictSSL for the server behind it', async () => {
    const strict = clientFor(url, { retry: false, proxy: { url: proxy.url } });
    const err = await rejection(strict.models.list());
    await strict.destroy();
    assert.ok(err instanceof NetworkError && err.kind === 'tls', String(err));

    const lax = clientFor(url, { proxy: { url: proxy.url, strictSSL: false } });
    await lax.models.list();
    await lax.destroy();
    assert.equal(hits, 1);
    assert.ok(proxy.tunnels.includes(new URL(url).host), 'the request went through a CONNECT tunnel');
  });
});
