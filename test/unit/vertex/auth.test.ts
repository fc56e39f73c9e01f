import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ADC_LOGIN_COMMAND, ApplicationDefaultCredentials, CredentialsError, adcSearchPath, staticAccessToken } from '../../../src/core/vertex/auth';

const ADC_ENV = ['GOOGLE_APPLICATION_CREDENTIALS', 'google_application_credentials', 'CLOUDSDK_CONFIG', 'HOME', 'METADATA_SERVER_DETECTION', 'GOOGLE_CLOUD_QUOTA_PROJECT'];

describe('Vertex AI credentials', function () {
  this.timeout(20_000);
  let home: string;
  const saved = new Map<string, string | undefined>();
  beforeEach(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'gt-adc-home-'));
    for (const name of ADC_ENV) saved.set(name, process.env[name]);
    for (const name of ADC_ENV) delete process.env[name];
    process.env.HOME = home;
    // Without this the library probes 169.254.169.254, which can take seconds where there is no metadata server.
    process.env.METADATA_SERVER_DETECTION = 'none';
  });
  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('with no credentials anywhere, says what to run and every place it looked, without probing the metadata server', async () => {
    const started = Date.now();
    const err = await new ApplicationDefaultCredentials({ project: 'my-proj' }).getToken().then(
      () => assert.fail('expected no credentials'),
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    assert.ok(err instanceof CredentialsError, String(err));
    assert.equal(err.remedy, ADC_LOGIN_COMMAND);
    assert.match(err.message, /gcloud auth application-default login/);
    assert.ok(err.message.includes('GOOGLE_APPLICATION_CREDENTIALS (not set)'), err.message);
    assert.ok(err.message.includes(path.join(home, '.config', 'gcloud', 'application_default_credentials.json')), err.message);
    assert.match(err.message, /metadata server \(not probed: METADATA_SERVER_DETECTION=none\)/);
    assert.equal(err.searched.length, 3);
    assert.ok(elapsed < 5000, `took ${elapsed} ms; the metadata server must not be waited on`);
  });

  it('names the key file GOOGLE_APPLICATION_CREDENTIALS points at when it cannot be used', async () => {
    const keyFile = path.join(home, 'key.json');
    writeFileSync(keyFile, '{"type": "nonsense"}');
    process.env.GOOGLE_APPLICATION_CREDENTIALS = keyFile;
    const err = await new ApplicationDefaultCredentials().getToken().then(
      () => assert.fail('expected the key file to be refused'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CredentialsError, String(err));
    assert.ok(err.message.includes(`GOOGLE_APPLICATION_CREDENTIALS=${keyFile}`), err.message);
    assert.match(err.message, /gcloud auth application-default login/);
  });

  it('says so plainly when GOOGLE_APPLICATION_CREDENTIALS names a file that does not exist', async () => {
    const keyFile = path.join(home, 'no-such-key.json');
    process.env.GOOGLE_APPLICATION_CREDENTIALS = keyFile;
    const err = await new ApplicationDefaultCredentials().getToken().then(
      () => assert.fail('expected the missing key file to be reported'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CredentialsError, String(err));
    assert.ok(err.message.startsWith(`GOOGLE_APPLICATION_CREDENTIALS names ${keyFile}, which does not exist.`), err.message);
    assert.match(err.message, /unset it and run `gcloud auth application-default login`/);
  });

  it('looks again at the next call: credentials created after a failure are found', async () => {
    const adc = new ApplicationDefaultCredentials({ project: 'my-proj' });
    await assert.rejects(adc.getToken(), CredentialsError);
    // A user credential with a refresh token: finding it is enough to leave the "no credentials" path.
    const dir = path.join(home, '.config', 'gcloud');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'application_default_credentials.json'), JSON.stringify({ type: 'authorized_user', client_id: 'c', client_secret: 's', refresh_token: '1//not-a-real-refresh-token' }));
    const second = await adc.getToken().then(
      () => undefined,
      (e: unknown) => e,
    );
    // No machine here reaches Google, so refreshing fails: as credentials that gave no token, not as missing ones, and without the refresh token.
    assert.ok(second instanceof CredentialsError, String(second));
    assert.doesNotMatch(second.message, /No Google Cloud credentials were found/);
    assert.match(second.message, /could not give an access token|have expired/);
    assert.doesNotMatch(second.message, /not-a-real-refresh-token/);
  });

  it('the search path follows CLOUDSDK_CONFIG and APPDATA as gcloud does', () => {
    assert.equal(adcSearchPath({ env: { CLOUDSDK_CONFIG: '/cfg' }, platform: 'linux' })[1], path.join('/cfg', 'application_default_credentials.json'));
    assert.equal(adcSearchPath({ env: { APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, platform: 'win32' })[1], path.join('C:\\Users\\a\\AppData\\Roaming', 'gcloud', 'application_default_credentials.json'));
    assert.match(adcSearchPath({ env: {}, platform: 'linux' })[1], /no HOME/);
    assert.match(adcSearchPath({ env: {}, platform: 'linux' })[2], /169\.254\.169\.254/);
  });

  it('google-auth-library is loaded at the first getToken, not when the module is loaded or the provider made', async () => {
    // Inside the repository, so that the import finds node_modules as the built extension does.
    const bundle = path.resolve('out', `adc-probe-${process.pid}.js`);
    await esbuild.build({ entryPoints: [path.resolve('src/core/vertex/auth.ts')], bundle: true, platform: 'node', format: 'cjs', packages: 'external', outfile: bundle, logLevel: 'silent' });
    const probe = [
      `const m = require(${JSON.stringify(bundle)});`,
      'const loaded = () => Object.keys(require.cache).some((k) => k.includes(`${require("path").sep}google-auth-library${require("path").sep}`));',
      'const adc = new m.ApplicationDefaultCredentials({ project: "my-proj" });',
      'const before = loaded();',
      'adc.getToken().catch((e) => e.message).then((error) => console.log(JSON.stringify({ before, after: loaded(), error })));',
    ].join('\n');
    let out: string;
    try {
      out = execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
    } finally {
      rmSync(bundle, { force: true });
    }
    const result = JSON.parse(out.trim()) as { before: boolean; after: boolean; error?: string };
    assert.equal(result.before, false, 'loaded before any token was asked for');
    assert.equal(result.after, true, `not loaded by getToken (${result.error ?? ''})`);
    assert.match(result.error ?? '', /No Google Cloud credentials were found/);
  });

  it('a static token is handed back as is', async () => {
    assert.equal(await staticAccessToken('test-token').getToken(), 'test-token');
  });
});
