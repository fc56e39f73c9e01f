import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { healthFromOutcome } from '../../../src/core/backend/health';
import { CredentialsError } from '../../../src/core/vertex/auth';
import { coreProjectOf, defaultGoogleCloudProject, gcloudDefaultConfigFile, isProjectId } from '../../../src/extension/backend/googleCloudProject';

describe('choosing Vertex AI: the suggested project and the health of missing credentials', () => {
  it('reads the project of the [core] section only', () => {
    assert.equal(coreProjectOf('[compute]\nproject = not-this\n[core]\naccount = a@b.c\nproject = my-proj-123\n'), 'my-proj-123');
    assert.equal(coreProjectOf('[core]\r\nproject=crlf-project\r\n'), 'crlf-project');
    assert.equal(coreProjectOf('[compute]\nproject = not-this\n'), undefined);
    assert.equal(coreProjectOf('[core]\nproject =\n'), undefined);
  });

  it('suggests GOOGLE_CLOUD_PROJECT first, then the default gcloud configuration, else nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-gcloud-'));
    try {
      const env = { CLOUDSDK_CONFIG: dir } as NodeJS.ProcessEnv;
      assert.equal(await defaultGoogleCloudProject(env), undefined, 'no file, no suggestion');
      const file = gcloudDefaultConfigFile(env)!;
      assert.equal(file, path.join(dir, 'configurations', 'config_default'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, '[core]\nproject = from-gcloud\n');
      assert.deepEqual(await defaultGoogleCloudProject(env), { project: 'from-gcloud', source: file });
      assert.deepEqual(await defaultGoogleCloudProject({ ...env, GOOGLE_CLOUD_PROJECT: 'from-env' }), { project: 'from-env', source: 'GOOGLE_CLOUD_PROJECT' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts project IDs and numbers as Vertex AI does', () => {
    for (const ok of ['my-proj', 'a12345', '123456789012']) assert.ok(isProjectId(ok), ok);
    for (const bad of ['', 'My-Proj', 'short', '1abcdef', 'ends-with-', 'x'.repeat(31)]) assert.ok(!isProjectId(bad), bad);
  });

  it('missing Google Cloud credentials are "no key", with the message that says what to run', () => {
    const error = new CredentialsError('No Google Cloud credentials were found. Run `gcloud auth application-default login`.', ['here'], 'gcloud auth application-default login');
    const health = healthFromOutcome(error);
    assert.equal(health.kind, 'noKey');
    assert.ok('message' in health && health.message.includes('gcloud auth application-default login'));
  });
});
