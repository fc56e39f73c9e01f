import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { type TunedModel } from '../../../src/api/types';
import { curlSnippet, shellQuote, tuneAgainSpec, typeScriptSnippet } from '../../../src/tree/snippets';
import { parse } from 'yaml';

const model: TunedModel = {
  name: 'tunedModels/emoji-namer-abc12',
  displayName: "Bob's model",
  description: 'Names "emoji"',
  state: 'ACTIVE',
  temperature: 0.5,
  tuningTask: { hyperparameters: { epochCount: 7, batchSize: 4, learningRate: 0.001 } },
};

describe('snippets', () => {
  it('quotes for a POSIX shell', () => {
    const out = execFileSync('sh', ['-c', `printf %s ${shellQuote("it's $HOME `x`")}`], { encoding: 'utf8' });
    assert.equal(out, "it's $HOME `x`");
  });

  it('builds a curl command that takes the key from $GEMINI_API_KEY', () => {
    const curl = curlSnippet(model, 'https://generativelanguage.googleapis.com/', { withKey: true });
    assert.equal(
      curl,
      [
        `curl -sS -X POST 'https://generativelanguage.googleapis.com/v1beta/tunedModels/emoji-namer-abc12:generateContent'`,
        `  -H 'Content-Type: application/json'`,
        `  -H "x-goog-api-key: $GEMINI_API_KEY"`,
        `  -d '{"contents":[{"role":"user","parts":[{"text":"Hello"}]}]}'`,
      ].join(' \\\n'),
    );
  });

  it('leaves the key header out for a backend without keys', () => {
    const curl = curlSnippet(model, 'http://127.0.0.1:4000', { withKey: false });
    assert.ok(!curl.includes('x-goog-api-key'));
    assert.ok(curl.includes(`'http://127.0.0.1:4000/v1beta/tunedModels/emoji-namer-abc12:generateContent'`));
  });

  it('builds an @google/genai snippet, with the base URL only when it is not the default', () => {
    const remote = typeScriptSnippet(model, 'https://generativelanguage.googleapis.com', { defaultBaseUrl: true });
    assert.ok(remote.includes(`import { GoogleGenAI } from '@google/genai';`));
    assert.ok(remote.includes('apiKey: process.env.GEMINI_API_KEY'));
    assert.ok(remote.includes('model: "tunedModels/emoji-namer-abc12"'));
    assert.ok(!remote.includes('httpOptions'));
    const local = typeScriptSnippet(model, 'http://127.0.0.1:4000/', { defaultBaseUrl: false });
    assert.ok(local.includes(`httpOptions: { baseUrl: "http://127.0.0.1:4000" }`));
  });

  it('writes a tune-again spec that names the source model and keeps the hyperparameters', () => {
    const spec = parse(tuneAgainSpec(model));
    assert.deepEqual(spec.tunedModelSource, { tunedModel: 'tunedModels/emoji-namer-abc12' });
    assert.equal(spec.baseModel, undefined);
    assert.equal(spec.displayName, "Bob's model (again)");
    assert.equal(spec.description, 'Names "emoji"');
    assert.deepEqual(spec.hyperparameters, { epochCount: 7, batchSize: 4, learningRate: 0.001 });
    assert.equal(spec.temperature, 0.5);
    assert.equal(spec.examples.length, 1);
  });

  it('keeps the tune-again display name within 40 characters', () => {
    const spec = parse(tuneAgainSpec({ ...model, displayName: 'x'.repeat(40) }));
    assert.equal(spec.displayName.length, 40);
  });
});
