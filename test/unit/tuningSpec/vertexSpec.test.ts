import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { specCompletions } from '../../../src/core/tuningSpec/completions';
import { specHover } from '../../../src/core/tuningSpec/hover';
import { SpecHasErrorsError } from '../../../src/core/tuningSpec/createRequest';
import { nodeFileSystem } from '../../../src/core/tuningSpec/nodeFileSystem';
import { validateSpec } from '../../../src/core/tuningSpec/validateSpec';
import { buildVertexJobRequest } from '../../../src/core/tuningSpec/vertexRequest';
import { billableTokens, estimateTokens, exampleTokens, summarizeVertex, textSaysVertex, VERTEX_LIMITS } from '../../../src/core/tuningSpec/vertexSpec';
import { examplesToVertexJsonl } from '../../../src/core/vertex/dataset';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/tuningSpecs');
const BASE_MODELS = ['gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-2.5-pro'];

async function validateFixture(name: string) {
  const file = path.join(FIXTURES, name);
  return validateSpec(readFileSync(file, 'utf8'), file, { fs: nodeFileSystem, vertexBaseModels: BASE_MODELS });
}

function vertexLine(input: string, output: string): string {
  return JSON.stringify({ contents: [{ role: 'user', parts: [{ text: input }] }, { role: 'model', parts: [{ text: output }] }] });
}

describe('Vertex AI specs: spec → tuning job request', () => {
  it('converts textInput/output examples, with the system instruction, and maps every Vertex field', async () => {
    const result = await validateFixture('vertex-good.tuning.yaml');
    assert.equal(result.hasErrors, false, JSON.stringify(result.diagnostics));
    assert.equal(result.platform, 'vertex');
    const { request } = buildVertexJobRequest(result);
    const capitals = readFileSync(path.join(FIXTURES, 'data/capitals-25.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { textInput: string; output: string });
    assert.deepEqual(request, {
      baseModel: 'gemini-2.5-flash',
      displayName: "Capitals on Vertex AI, with a name longer than the Gemini API's forty",
      labels: { team: 'geo', 'cost-center': 'research_1' },
      epochCount: 3,
      learningRateMultiplier: 0.5,
      adapterSize: 'ADAPTER_SIZE_FOUR',
      training: { examples: capitals, systemInstruction: 'Answer with the capital city only.' },
      validation: { examples: [{ textInput: 'Portugal', output: 'Lisbon' }], systemInstruction: 'Answer with the capital city only.' },
    });
    // What the backend uploads for it: one Vertex AI line per example, the system instruction on each.
    const first = JSON.parse(examplesToVertexJsonl(request.training && 'examples' in request.training ? request.training.examples : []).split('\n')[0]) as unknown;
    assert.deepEqual(first, { contents: [{ role: 'user', parts: [{ text: 'France' }] }, { role: 'model', parts: [{ text: 'Paris' }] }] });
  });

  it('sends a contentsFile as it is, by path, for training and validation', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vertex-spec-'));
    try {
      writeFileSync(path.join(dir, 'train.jsonl'), `${vertexLine('France', 'Paris')}\n${vertexLine('Peru', 'Lima')}\n`);
      writeFileSync(path.join(dir, 'val.jsonl'), `${vertexLine('Chile', 'Santiago')}\n`);
      const spec = 'platform: vertex\nbaseModel: gemini-2.5-pro\ncontentsFile: train.jsonl\nvalidation:\n  contentsFile: val.jsonl\n';
      const specFile = path.join(dir, 'a.tuning.yaml');
      const result = await validateSpec(spec, specFile, { fs: nodeFileSystem, vertexBaseModels: BASE_MODELS });
      assert.equal(result.hasErrors, false, JSON.stringify(result.diagnostics));
      const built = buildVertexJobRequest(result);
      assert.deepEqual(built.request, { baseModel: 'gemini-2.5-pro', training: { jsonlFile: path.join(dir, 'train.jsonl') }, validation: { jsonlFile: path.join(dir, 'val.jsonl') } });
      assert.equal(built.summary.exampleCount, 2);

      // The same spec over a changed file is a different request: Create asks again only for the same data.
      const again = buildVertexJobRequest(await validateSpec(spec, specFile, { fs: nodeFileSystem }));
      assert.equal(again.fingerprint, built.fingerprint);
      utimesSync(path.join(dir, 'train.jsonl'), new Date(), new Date(Date.now() + 60_000));
      const changed = buildVertexJobRequest(await validateSpec(spec, specFile, { fs: nodeFileSystem }));
      assert.notEqual(changed.fingerprint, built.fingerprint);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a spec with errors, and a Gemini API spec', async () => {
    const limits = await validateFixture('vertex-limits.tuning.yaml');
    assert.throws(() => buildVertexJobRequest(limits), SpecHasErrorsError);
    const gemini = await validateSpec('baseModel: models/m\nexamples:\n  - {textInput: a, output: b}\n', '/x/g.tuning.yaml', { fs: nodeFileSystem });
    assert.equal(gemini.platform, 'gemini-api');
    assert.throws(() => buildVertexJobRequest(gemini), /not for Vertex AI/);
  });
});

describe('Vertex AI specs: diagnostics', () => {
  it('a base model outside geminiTuning.vertex.baseModels is an error on the value, with a suggestion', async () => {
    const text = 'platform: vertex\nbaseModel: gemini-2.5-flsh\nexamples:\n  - {textInput: a, output: b}\n';
    const result = await validateSpec(text, '/x/v.tuning.yaml', { fs: nodeFileSystem, vertexBaseModels: BASE_MODELS });
    const found = result.diagnostics.filter((d) => d.code === 'vertex-base-model');
    assert.equal(found.length, 1);
    assert.deepEqual(found[0].range, { start: { line: 1, character: 11 }, end: { line: 1, character: 26 } });
    assert.equal(found[0].severity, 'error');
    assert.match(found[0].message, /Did you mean "gemini-2.5-flash"\?/);
    assert.match(found[0].message, /add it to that setting/);
    const listed = await validateSpec(text.replace('flsh', 'flash'), '/x/v.tuning.yaml', { fs: nodeFileSystem, vertexBaseModels: BASE_MODELS });
    assert.deepEqual(listed.diagnostics.filter((d) => d.code === 'vertex-base-model'), []);
  });

  it('more than 5,000 validation examples is an error on validation; 5,000 is not', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vertex-spec-'));
    try {
      const lines = (n: number) => Array.from({ length: n }, (_, i) => vertexLine(`q${i}`, `a${i}`)).join('\n');
      writeFileSync(path.join(dir, 'train.jsonl'), lines(100));
      const spec = 'platform: vertex\nbaseModel: gemini-2.5-flash\ncontentsFile: train.jsonl\nvalidation:\n  contentsFile: val.jsonl\n';
      writeFileSync(path.join(dir, 'val.jsonl'), lines(VERTEX_LIMITS.maxValidationExamples));
      const atLimit = await validateSpec(spec, path.join(dir, 's.tuning.yaml'), { fs: nodeFileSystem });
      assert.deepEqual(atLimit.diagnostics.filter((d) => d.code === 'vertex-limit'), []);
      writeFileSync(path.join(dir, 'val.jsonl'), lines(VERTEX_LIMITS.maxValidationExamples + 1));
      const over = await validateSpec(spec, path.join(dir, 's.tuning.yaml'), { fs: nodeFileSystem });
      const found = over.diagnostics.filter((d) => d.code === 'vertex-limit');
      assert.equal(found.length, 1);
      assert.equal(found[0].message, '5,001 validation examples; Vertex AI takes at most 5,000');
      assert.deepEqual(found[0].range, { start: { line: 3, character: 0 }, end: { line: 3, character: 10 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("limits a Vertex AI example by tokens, not by the Gemini API's 40,000 and 5,000 characters, inline and in data files", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vertex-spec-'));
    try {
      const longOutput = 'An answer of some length. '.repeat(400);
      const longInput = 'q'.repeat(45_000);
      assert.ok(longOutput.length > 5_000);
      const rows = Array.from({ length: 3 }, (_, i) => JSON.stringify({ textInput: `${longInput}${i}`, output: longOutput })).join('\n');
      writeFileSync(path.join(dir, 'long.jsonl'), `${rows}\n`);
      writeFileSync(path.join(dir, 'long.csv'), `textInput,output\n${longInput}c,"${longOutput}"\n`);
      const inline = `examples:\n  - textInput: ${JSON.stringify(longInput)}\n    output: ${JSON.stringify(longOutput)}\n`;
      const body = `examplesFile:\n  - long.jsonl\n  - long.csv\n${inline}`;
      const specFile = path.join(dir, 'a.tuning.yaml');
      const vertex = await validateSpec(`platform: vertex\nbaseModel: gemini-2.5-flash\n${body}`, specFile, { fs: nodeFileSystem, vertexBaseModels: BASE_MODELS });
      assert.deepEqual(vertex.diagnostics.filter((d) => d.severity === 'error' || /characters long/.test(d.message)).map((d) => d.message), [], 'no character limit applies on Vertex AI');
      assert.equal(vertex.training.length, 5, 'every long example is kept');

      const gemini = await validateSpec(`baseModel: models/gemini-1.5-flash-001-tuning\n${body}`, specFile, { fs: nodeFileSystem });
      const tooLong = gemini.diagnostics.filter((d) => /characters long; the maximum is (40,000|5,000)/.test(d.message));
      assert.equal(tooLong.length, 10, `the Gemini API's limits still apply to its specs: ${JSON.stringify(gemini.diagnostics.map((d) => d.message))}`);
      assert.equal(gemini.training.length, 0);

      const huge = 'w'.repeat(VERTEX_LIMITS.maxTokensPerExample * 4 + 8);
      const over = await validateSpec(`platform: vertex\nbaseModel: gemini-2.5-flash\nexamples:\n  - textInput: ${JSON.stringify(huge)}\n    output: ok\n`, specFile, { fs: nodeFileSystem, vertexBaseModels: BASE_MODELS });
      assert.ok(over.diagnostics.some((d) => d.severity === 'warning' && /Vertex AI truncates examples beyond 131,072/.test(d.message)), JSON.stringify(over.diagnostics.map((d) => d.message)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the hover of an example's text gives Vertex AI's token limit in a Vertex AI spec, and the Gemini API's characters otherwise", () => {
    const body = 'examples:\n  - textInput: a\n    output: b\n';
    const onVertex = specHover(`platform: vertex\nbaseModel: gemini-2.5-flash\n${body}`, { line: 4, character: 6 })?.markdown ?? '';
    assert.match(onVertex, /Limit: about 131,072 tokens, input and output together/);
    assert.doesNotMatch(onVertex, /5,000 characters/);
    const onGemini = specHover(`baseModel: models/gemini-1.5-flash-001-tuning\n${body}`, { line: 3, character: 6 })?.markdown ?? '';
    assert.match(onGemini, /Limit: at most 5,000 characters/);
  });

  it('epochCount 100 and learningRateMultiplier 100 pass; 101 and 100.5 do not', async () => {
    const spec = (epochs: number, multiplier: number) => `platform: vertex\nbaseModel: gemini-2.5-flash\nhyperparameters:\n  epochCount: ${epochs}\n  learningRateMultiplier: ${multiplier}\nexamples:\n  - {textInput: a, output: b}\n`;
    const ok = await validateSpec(spec(100, 100), '/x/v.tuning.yaml', { fs: nodeFileSystem });
    assert.deepEqual(ok.diagnostics.filter((d) => d.severity === 'error'), []);
    const over = await validateSpec(spec(101, 100.5), '/x/v.tuning.yaml', { fs: nodeFileSystem });
    assert.deepEqual(
      over.diagnostics.filter((d) => d.code === 'vertex-limit').map((d) => [d.range.start.line, d.range.start.character, d.range.end.character, d.message]),
      [
        [3, 14, 17, 'hyperparameters.epochCount must be between 1 and 100 on Vertex AI (it is 101)'],
        [4, 26, 31, 'hyperparameters.learningRateMultiplier must be greater than 0 and at most 100 on Vertex AI (it is 100.5)'],
      ],
    );
  });

  it('a Gemini API spec keeps its 40-character display name, and Vertex AI fields are errors in it', async () => {
    const text = `displayName: ${'x'.repeat(41)}\nbaseModel: models/m\nlabels: {team: geo}\nexamples:\n  - {textInput: a, output: b}\n`;
    const result = await validateSpec(text, '/x/g.tuning.yaml', { fs: nodeFileSystem });
    assert.deepEqual(
      result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
      ['displayName is 41 characters long; the maximum is 40', 'labels is a Vertex AI setting: add "platform: vertex" to tune on Vertex AI, or remove it'],
    );
    assert.equal(result.summary?.text, '1 example · 5 epochs · batch 4 · → 2 steps · LR 0.001');
  });
});

describe('Vertex AI specs: the lens and its billable-token estimate', () => {
  it('estimates four characters a token, rounded up per example, times the epochs', () => {
    assert.deepEqual([0, 1, 4, 5, 8, 9].map(estimateTokens), [0, 1, 1, 2, 2, 3]);
    assert.equal(exampleTokens('abcd', 'efgh', 'ij'), 3);
    assert.equal(billableTokens(3, 4), 12);
  });

  it('shows the resolved hyperparameters, the steps and the estimate', async () => {
    // 2 examples: "abcd"+"efgh"+"ij" = 10 characters → 3 tokens, "a"+"b"+"ij" = 4 → 1 token; 4 per epoch.
    const text = 'platform: vertex\nbaseModel: gemini-2.5-flash\nsystemInstruction: ij\nhyperparameters:\n  epochCount: 3\n  adapterSize: 8\nexamples:\n  - {textInput: abcd, output: efgh}\n  - {textInput: a, output: b}\n';
    const result = await validateSpec(text, '/x/v.tuning.yaml', { fs: nodeFileSystem });
    assert.equal(result.summary?.text, '2 examples · 3 epochs · adapter 8 · LR ×1 · batch 4 → 2 steps · ≈ 12 billable tokens');
    const summary = summarizeVertex({ platform: 'vertex', hyperparameters: {} }, 600, 1000);
    assert.equal(summary.text, '600 examples · 5 epochs · adapter chosen by Vertex AI · LR ×1 · batch 16 → 188 steps · ≈ 5,000 billable tokens');
  });

  it('counts the text of a contentsFile: every turn and the system instruction', async () => {
    const result = await validateFixture('vertex-contents.tuning.yaml');
    const train = readFileSync(path.join(FIXTURES, 'data/vertex-mixed.jsonl'), 'utf8').split('\n');
    const valid = [train[0], train[4], train[5]].map((l) => JSON.parse(l) as { contents: { parts: { text: string }[] }[] });
    const expected = valid.reduce((sum, line) => sum + estimateTokens(line.contents.reduce((n, turn) => n + turn.parts[0].text.length, 0)), 0);
    assert.equal(result.vertex?.tokensPerEpoch, expected);
    assert.equal(result.vertex?.validationCount, 5);
  });
});

describe('Vertex AI specs: completion', () => {
  function labels(text: string): string[] {
    const lines = text.split('\n');
    return specCompletions(text, { line: lines.length - 1, character: lines[lines.length - 1].length }, { vertexBaseModels: BASE_MODELS }).map((c) => c.label);
  }

  it('offers a Vertex AI spec its own keys and base models from the setting, and a Gemini API spec none of them', () => {
    assert.equal(textSaysVertex('displayName: a\nplatform: vertex  # here\n'), true);
    assert.equal(textSaysVertex('displayName: platform: vertex\n'), false);
    const vertexTop = labels('platform: vertex\nbaseModel: gemini-2.5-flash\n');
    for (const key of ['systemInstruction', 'labels', 'contentsFile']) assert.ok(vertexTop.includes(key), `${key} in ${vertexTop.join()}`);
    for (const key of ['temperature', 'tunedModelId', 'readerProjectNumbers']) assert.ok(!vertexTop.includes(key), `${key} not in ${vertexTop.join()}`);
    assert.deepEqual(labels('platform: vertex\nhyperparameters:\n  '), ['learningRateMultiplier', 'epochCount', 'adapterSize']);
    assert.deepEqual(labels('platform: vertex\nbaseModel: '), BASE_MODELS);

    const geminiTop = labels('baseModel: models/m\n');
    for (const key of ['systemInstruction', 'labels', 'contentsFile']) assert.ok(!geminiTop.includes(key), `${key} not in ${geminiTop.join()}`);
    assert.deepEqual(labels('baseModel: '), ['models/gemini-1.5-flash-001-tuning']);
  });
});
