import * as assert from 'node:assert/strict';
import { type Operation, type TunedModel } from '../../../src/core/api/types';
import { groupModels } from '../../../src/core/tunedModels/grouping';
import {
  escapeMarkdown,
  formatAge,
  modelContextValue,
  modelDescription,
  modelIcon,
  modelLabel,
  modelTooltipMarkdown,
  progressPercent,
} from '../../../src/core/tunedModels/presentation';
import { fromGeminiTunedModel, geminiProgress } from '../../../src/core/tuning/geminiApi';
import { type TunedModelInfo } from '../../../src/core/tuning/model';

const NOW = Date.parse('2026-11-21T12:00:00Z');

/** A Gemini API model as the features see it, with its create operation when given. */
function model(id: string, state: TunedModel['state'], createTime = '2026-11-21T11:00:00Z', extra: Partial<TunedModel> = {}, op?: Operation): TunedModelInfo {
  return fromGeminiTunedModel({ name: `tunedModels/${id}`, state, createTime, baseModel: 'models/gemini-1.5-flash-001-tuning', ...extra }, op);
}

describe('tree grouping', () => {
  it('puts models in Creating, Active and Failed, in that order, newest first', () => {
    const groups = groupModels([
      model('a', 'ACTIVE', '2026-11-20T00:00:00Z'),
      model('b', 'FAILED'),
      model('c', 'CREATING'),
      model('d', 'ACTIVE', '2026-11-21T00:00:00Z'),
      model('e', 'STATE_UNSPECIFIED'),
    ]);
    assert.deepEqual(
      groups.map((g) => [g.id, g.models.map((m) => m.name)]),
      [
        ['creating', ['tunedModels/c', 'tunedModels/e']],
        ['active', ['tunedModels/d', 'tunedModels/a']],
        ['failed', ['tunedModels/b']],
      ],
    );
  });

  it('hides empty groups', () => {
    assert.deepEqual(
      groupModels([model('a', 'ACTIVE')]).map((g) => g.id),
      ['active'],
    );
    assert.deepEqual(groupModels([]), []);
  });
});

describe('tree item presentation', () => {
  it('labels a model by display name, else by id', () => {
    assert.equal(modelLabel(model('x', 'ACTIVE', undefined, { displayName: 'My model' })), 'My model');
    assert.equal(modelLabel(model('x-1', 'ACTIVE', undefined, { displayName: '  ' })), 'x-1');
  });

  it('formats ages', () => {
    assert.equal(formatAge('2026-11-21T11:59:50Z', NOW), 'just now');
    assert.equal(formatAge('2026-11-21T11:55:00Z', NOW), '5 min ago');
    assert.equal(formatAge('2026-11-21T09:00:00Z', NOW), '3 h ago');
    assert.equal(formatAge('2026-11-19T12:00:00Z', NOW), '2 d ago');
    assert.equal(formatAge('2026-01-02T12:00:00Z', NOW), '2026-01-02');
    assert.equal(formatAge(undefined, NOW), '');
    assert.equal(formatAge('not a time', NOW), '');
  });

  it('reads progress from completedPercent, else from steps', () => {
    const op = (metadata: object) => geminiProgress(metadata as Parameters<typeof geminiProgress>[0]);
    assert.equal(progressPercent(op({ completedPercent: 42.7 })), 42);
    assert.equal(progressPercent(op({ totalSteps: 40, completedSteps: 10 })), 25);
    assert.equal(progressPercent(op({ totalSteps: 38 })), 0);
    assert.equal(progressPercent(op({})), undefined);
    assert.equal(progressPercent(undefined), undefined);
  });

  it('describes a creating model with its progress, base model and age', () => {
    const op: Operation = { name: 'o', metadata: { '@type': 't', completedPercent: 50 } };
    assert.equal(modelDescription(model('a', 'CREATING', undefined, {}, op), NOW), '50% · gemini-1.5-flash-001-tuning · 1 h ago');
    assert.equal(modelDescription(model('a', 'ACTIVE', undefined, {}, op), NOW), 'gemini-1.5-flash-001-tuning · 1 h ago');
    const fromSource = model('b', 'ACTIVE', undefined, { baseModel: undefined, tunedModelSource: { tunedModel: 'tunedModels/a' } });
    assert.equal(modelDescription(fromSource, NOW), 'from a · 1 h ago');
  });

  it('picks a spinning icon while creating and a context value per state', () => {
    assert.equal(modelIcon(model('a', 'CREATING')).id, 'loading~spin');
    assert.equal(modelIcon(model('a', 'ACTIVE')).id, 'pass');
    assert.equal(modelIcon(model('a', 'FAILED')).id, 'error');
    assert.equal(modelContextValue(model('a', 'CREATING')), 'tunedModel.creating');
    assert.equal(modelContextValue(model('a', 'ACTIVE')), 'tunedModel.active');
    assert.equal(modelContextValue(model('a', 'FAILED')), 'tunedModel.failed');
    // Vertex AI jobs get only the menu entries that backend serves (details, copy name, cancel).
    assert.equal(modelContextValue({ ...model('a', 'CREATING'), backend: 'vertex' }), 'vertexTuningJob.creating');
    assert.equal(modelContextValue({ ...model('a', 'FAILED'), backend: 'vertex' }), 'vertexTuningJob.failed');
  });

  it('puts every detail in the tooltip', () => {
    const m = model('a', 'ACTIVE', '2026-11-21T11:00:00Z', {
      displayName: 'Emoji namer',
      temperature: 0.5,
      topP: 0.95,
      topK: 40,
      updateTime: '2026-11-21T11:30:00Z',
      tuningTask: {
        startTime: '2026-11-21T11:00:01Z',
        completeTime: '2026-11-21T11:20:00Z',
        hyperparameters: { epochCount: 5, batchSize: 4, learningRate: 0.001 },
        snapshots: [
          { step: 1, epoch: 1, meanLoss: 3.2 },
          { step: 2, epoch: 1, meanLoss: 1.25 },
        ],
      },
    });
    const md = modelTooltipMarkdown(m, NOW);
    for (const expected of [
      '**Emoji namer**',
      'Name: tunedModels/a',
      'Base model: models/gemini\\-1\\.5\\-flash\\-001\\-tuning',
      'Hyperparameters: epochs 5, batch 4, learning rate 0\\.001',
      'Sampling: temperature 0\\.5, topP 0\\.95, topK 40',
      'Created: 2026\\-11\\-21T11:00:00Z',
      'Training started:',
      'Training completed:',
      'Snapshots: 2',
      'Last loss: 1\\.25',
    ]) {
      assert.ok(md.includes(expected), `tooltip has ${expected}:\n${md}`);
    }
  });

  it('escapes Markdown and HTML in names that come from the network', () => {
    const hostile = '<img src=x onerror=alert(1)> [link](command:evil) **bold**';
    const md = modelTooltipMarkdown(model('a', 'ACTIVE', undefined, { displayName: hostile, description: hostile }), NOW);
    assert.ok(!/(^|[^\\])</.test(md), `every < is escaped: ${md}`);
    assert.ok(!/(^|[^\\])\]\(/.test(md), `no link survives: ${md}`);
    assert.equal(escapeMarkdown('a*b_c'), 'a\\*b\\_c');
  });
});
