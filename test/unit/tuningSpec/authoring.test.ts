import * as assert from 'node:assert/strict';
import { specCompletions } from '../../../src/core/tuningSpec/completions';
import { cursorContext } from '../../../src/core/tuningSpec/cursorContext';
import { specHover } from '../../../src/core/tuningSpec/hover';
import { type Position, type Range } from '../../../src/core/tuningSpec/positions';
import { quickFixesFor, type SpecQuickFix } from '../../../src/core/tuningSpec/quickFixes';
import { fieldDocumentation } from '../../../src/core/tuningSpec/schemaNavigator';
import { validateSpec } from '../../../src/core/tuningSpec/validateSpec';
import { resolveHyperparameters } from '../../../src/core/api/tuningDefaults';
import { tuningSpecSchema } from '../../../src/core/tuningSpec/schemaCheck';
import type { SpecFileSystem } from '../../../src/core/tuningSpec/specFileSystem';

/** Text with a `|` marking the cursor → the text without it and the cursor's position. */
function at(marked: string): { text: string; position: Position } {
  const offset = marked.indexOf('|');
  const before = marked.slice(0, offset).split('\n');
  return { text: marked.slice(0, offset) + marked.slice(offset + 1), position: { line: before.length - 1, character: before[before.length - 1].length } };
}

function labels(marked: string): string[] {
  const { text, position } = at(marked);
  return specCompletions(text, position).map((c) => c.label);
}

const SPEC = `displayName: Capitals
baseModel: models/gemini-1.5-flash-001-tuning
hyperparameters:
  epochCount: 3
examplesFile: capitals.jsonl
`;

const noFiles: SpecFileSystem = {
  stat: () => Promise.reject(Object.assign(new Error('none'), { code: 'ENOENT' })),
  read: () => {
    throw Object.assign(new Error('none'), { code: 'ENOENT' });
  },
};

function apply(text: string, fix: SpecQuickFix): string {
  const lines = text.split('\n');
  const offset = (p: Position) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const edits = [...fix.edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const edit of edits) out = out.slice(0, offset(edit.range.start)) + edit.newText + out.slice(offset(edit.range.end));
  return out;
}

async function fixesFor(text: string, code: string, messagePart: string | RegExp, vertexBaseModels?: readonly string[]): Promise<{ fixes: SpecQuickFix[]; range: Range }> {
  const result = await validateSpec(text, '/nowhere/x.tuning.yaml', { fs: noFiles, vertexBaseModels });
  const diagnostic = result.diagnostics.find((d) => d.code === code && (typeof messagePart === 'string' ? d.message.includes(messagePart) : messagePart.test(d.message)));
  assert.ok(diagnostic, `no ${code} diagnostic matching ${String(messagePart)}: ${result.diagnostics.map((d) => d.message).join(' | ')}`);
  return { fixes: quickFixesFor(text, diagnostic, { vertexBaseModels }), range: diagnostic.range };
}

describe('spec authoring: where the cursor is', () => {
  it('finds the mapping of a key being typed at the top level, under a key, and in a list item', () => {
    assert.deepEqual(cursorContext(...Object.values(at(`${SPEC}tem|`)) as [string, Position]), {
      kind: 'key',
      path: [],
      existingKeys: ['displayName', 'baseModel', 'hyperparameters', 'examplesFile'],
      replace: { start: { line: 5, character: 0 }, end: { line: 5, character: 3 } },
    });
    const nested = at('hyperparameters:\n  epochCount: 3\n  |\nexamplesFile: a.jsonl\n');
    assert.deepEqual(cursorContext(nested.text, nested.position), { kind: 'key', path: ['hyperparameters'], existingKeys: ['epochCount'], replace: { start: { line: 2, character: 2 }, end: { line: 2, character: 2 } } });
    const item = at('examples:\n  - textInput: a\n    |\n');
    assert.deepEqual(cursorContext(item.text, item.position)?.path, ['examples', 0]);
    const fileEntry = at('examplesFile:\n  - path: a.csv\n    fo|\n');
    assert.deepEqual(cursorContext(fileEntry.text, fileEntry.position)?.path, ['examplesFile', 0]);
  });

  it('finds the key whose value is being typed, even when the rest of the spec does not parse', () => {
    const value = at('examplesFile:\n  path: a.tsv\n  format: t|\nbroken: [\n');
    assert.deepEqual(cursorContext(value.text, value.position), { kind: 'value', path: ['examplesFile', 'format'], replace: { start: { line: 2, character: 10 }, end: { line: 2, character: 11 } } });
  });
});

describe('spec authoring: completion from the schema', () => {
  it('offers only the keys valid at the cursor that are not there yet', () => {
    const top = labels(`${SPEC}|`);
    assert.ok(top.includes('temperature') && top.includes('validation') && top.includes('tunedModelId'), top.join());
    for (const present of ['displayName', 'baseModel', 'hyperparameters', 'examplesFile']) assert.ok(!top.includes(present), `${present} is already there`);
    assert.ok(!top.includes('epochCount'), 'epochCount belongs under hyperparameters');
    assert.deepEqual(labels('hyperparameters:\n  epochCount: 3\n  |\n'), ['learningRate', 'learningRateMultiplier', 'batchSize']);
    assert.deepEqual(labels('examples:\n  - textInput: a\n    |\n'), ['output']);
    assert.deepEqual(labels('hyperparameters:\n  learningRate: 0.01\n  |\n'), ['epochCount', 'batchSize'], 'learningRateMultiplier is not allowed beside learningRate');
    assert.ok(!labels('baseModel: models/m\n|').includes('tunedModelSource'), 'baseModel or tunedModelSource, not both');
    assert.deepEqual(labels('validation:\n  |\n'), ['examples', 'examplesFile']);
    assert.deepEqual(labels('examplesFile:\n  path: qa.csv\n  |\n').sort(), ['columns', 'format']);
  });

  it('offers enum values and documented examples for a value', () => {
    assert.deepEqual(labels('examplesFile:\n  path: a.tsv\n  format: |\n'), ['jsonl', 'csv', 'tsv', 'json']);
    assert.deepEqual(labels('baseModel: |\n'), ['models/gemini-1.5-flash-001-tuning']);
    assert.deepEqual(labels('temperature: |\n'), []);
  });

  it('inserts what the key needs: a space, a nested mapping, a list, or a choice', () => {
    const { text, position } = at('|');
    const byLabel = new Map(specCompletions(text, position).map((c) => [c.label, c]));
    assert.equal(byLabel.get('temperature')?.insertText, 'temperature: $0');
    assert.equal(byLabel.get('hyperparameters')?.insertText, 'hyperparameters:\n  $0');
    assert.equal(byLabel.get('examples')?.insertText, 'examples:\n  - $0');
    assert.equal(byLabel.get('temperature')?.detail, 'number');
    assert.match(byLabel.get('temperature')?.documentation ?? '', /Limit: from 0 to 1/);
    const format = at('examplesFile:\n  path: a.tsv\n  |');
    assert.equal(specCompletions(format.text, format.position).find((c) => c.label === 'format')?.insertText, 'format: ${1|jsonl,csv,tsv,json|}');
  });
});

describe('spec authoring: hover from the schema', () => {
  it('says what a field means, its limit and its default', () => {
    const temperature = at('temperature: 0|.5\n');
    const hover = specHover(temperature.text, temperature.position);
    assert.deepEqual(hover?.range, { start: { line: 0, character: 13 }, end: { line: 0, character: 16 } });
    assert.match(hover!.markdown, /^\*\*temperature\*\* \(number\)/);
    assert.match(hover!.markdown, /Default sampling temperature/);
    assert.match(hover!.markdown, /Limit: from 0 to 1/);
    const epochs = at('hyperparameters:\n  epoch|Count: 3\n');
    assert.match(specHover(epochs.text, epochs.position)!.markdown, /Default: `5`/);
    assert.match(specHover(epochs.text, epochs.position)!.markdown, /Limit: at least 1/);
    const name = at('display|Name: x\n');
    assert.match(specHover(name.text, name.position)!.markdown, /Limit: at most 40 characters/);
    const output = at('examples:\n  - textInput: a\n    out|put: b\n');
    assert.match(specHover(output.text, output.position)!.markdown, /at most 5,000 characters/);
    assert.equal(specHover('temperature: 0.5\n', { line: 1, character: 0 }), undefined);
  });

  it('documents the same defaults the backend uses', () => {
    const defaults = resolveHyperparameters(20);
    const hp = (tuningSpecSchema.properties.hyperparameters.properties as Record<string, { default?: number }>);
    assert.equal(hp.epochCount.default, defaults.epochCount);
    assert.equal(hp.batchSize.default, defaults.batchSize);
    assert.equal(hp.learningRate.default, defaults.learningRate);
    assert.match(fieldDocumentation(['hyperparameters', 'batchSize'])!, /Default: `4`/);
  });
});

describe('spec authoring: quick fixes for the diagnostics', () => {
  it('a misspelled key: the suggested name first, then removing it', async () => {
    const text = `${SPEC}temprature: 0.2\n`;
    const { fixes } = await fixesFor(text, 'unknown-key', 'Did you mean "temperature"?');
    assert.deepEqual(fixes.map((f) => [f.title, f.preferred]), [['Change to "temperature"', true], ['Remove "temprature"', false]]);
    assert.equal(apply(text, fixes[0]), `${SPEC}temperature: 0.2\n`);
    assert.equal(apply(text, fixes[1]), SPEC);
  });

  it('an unknown key with nothing like it: removed with what is nested under it, and nothing else', async () => {
    const text = `displayName: x\nnotes:\n  a: 1\n  b: 2\nbaseModel: models/m\nexamplesFile: a.jsonl\n`;
    const { fixes } = await fixesFor(text, 'unknown-key', 'Unknown key "notes"');
    assert.deepEqual(fixes.map((f) => f.title), ['Remove "notes"']);
    assert.equal(apply(text, fixes[0]), 'displayName: x\nbaseModel: models/m\nexamplesFile: a.jsonl\n');
  });

  it('a misspelled key under hyperparameters is matched against the keys of that mapping', async () => {
    const text = 'baseModel: models/m\nexamplesFile: a.jsonl\nhyperparameters:\n  epochcount: 3\n';
    const { fixes } = await fixesFor(text, 'unknown-key', 'epochcount');
    assert.equal(apply(text, fixes[0]), 'baseModel: models/m\nexamplesFile: a.jsonl\nhyperparameters:\n  epochCount: 3\n');
  });

  it('a number out of range is clamped into it', async () => {
    const text = `${SPEC}temperature: 1.5\ntopK: 0\n`;
    const temperature = await fixesFor(text, 'schema', 'temperature must be between 0 and 1');
    assert.deepEqual(temperature.fixes.map((f) => f.title), ['Clamp to 1']);
    assert.equal(apply(text, temperature.fixes[0]), `${SPEC}temperature: 1\ntopK: 0\n`);
    const topK = await fixesFor(text, 'schema', 'topK must be at least 1');
    assert.equal(apply(text, topK.fixes[0]), `${SPEC}temperature: 1.5\ntopK: 1\n`);
    const epochs = await fixesFor('baseModel: models/m\nexamplesFile: a.jsonl\nhyperparameters:\n  epochCount: -2\n', 'schema', 'epochCount');
    assert.deepEqual(epochs.fixes.map((f) => f.title), ['Clamp to 1']);
  });

  it('a display name given as the id becomes a valid id', async () => {
    const text = `${SPEC}tunedModelId: Support Bot (v2)\n`;
    const { fixes } = await fixesFor(text, 'schema', 'tunedModelId must be');
    assert.deepEqual(fixes.map((f) => f.title), ['Change to the valid id "support-bot-v2"']);
    assert.equal(apply(text, fixes[0]), `${SPEC}tunedModelId: support-bot-v2\n`);
  });

  it('a Vertex AI base model outside the configured list: the likeliest one first, then the others', async () => {
    const models = ['gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-2.5-pro'];
    const text = 'platform: vertex\nbaseModel: "gemini-2.5-flsh"\nexamples:\n  - textInput: a\n    output: b\n';
    const { fixes } = await fixesFor(text, 'vertex-base-model', 'Did you mean "gemini-2.5-flash"?', models);
    assert.deepEqual(fixes.map((f) => [f.title, f.preferred]), [['Change to "gemini-2.5-flash"', true], ['Change to "gemini-2.5-flash-lite"', false], ['Change to "gemini-2.5-pro"', false]]);
    assert.equal(apply(text, fixes[0]), text.replace('"gemini-2.5-flsh"', 'gemini-2.5-flash'));
    const unlike = await fixesFor(text.replace('gemini-2.5-flsh', 'llama'), 'vertex-base-model', 'llama', models);
    assert.deepEqual(unlike.fixes.map((f) => f.preferred), [false, false, false], 'nothing is preferred when no model is like it');
  });

  it('offers nothing for problems it cannot fix', async () => {
    const text = `${SPEC}baseModel2: x\nbaseModel: gemini\n`;
    const { fixes } = await fixesFor(text, 'schema', 'baseModel must name a model');
    assert.deepEqual(fixes, []);
  });
});
