import * as assert from 'node:assert/strict';
import type { TunedModel } from '../../../src/core/api/types';
import { fromGeminiTunedModel } from '../../../src/core/tuning/geminiApi';
import { describeEvaluation, describeExampleScore, evaluatedExamples, heldOutExamples, noHeldOutMessage, resultsMarkdown } from '../../../src/core/promptNotebook/evaluation';
import { overallScore } from '../../../src/core/promptNotebook/scoring';
import { baseModelOf, modelChoices, modelNameOf, noBaseModelMessage } from '../../../src/core/promptNotebook/modelChoice';
import { promptBookFor } from '../../../src/core/promptNotebook/promptBook';
import { answerChoices, answerPreview, defaultAnswer } from '../../../src/core/promptNotebook/trainingAnswers';
import { type LoadedExample } from '../../../src/core/tuningSpec/examples';

const active = (name: string, extra: Partial<TunedModel> = {}) => fromGeminiTunedModel({ name, state: 'ACTIVE', baseModel: 'models/base-001', ...extra });

describe('prompt notebook commands: the logic behind them', () => {
  describe('which model a command was invoked on', () => {
    it('takes a resource name, a tree item, or an object naming a model', () => {
      assert.equal(modelNameOf('tunedModels/a'), 'tunedModels/a');
      assert.equal(modelNameOf({ model: { name: 'tunedModels/b' } }), 'tunedModels/b');
      assert.equal(modelNameOf({ name: 'models/c' }), 'models/c');
      assert.equal(modelNameOf({ modelName: 'tunedModels/d' }), 'tunedModels/d');
      assert.equal(modelNameOf({ id: 'tunedModels/e' }), 'tunedModels/e');
    });

    it('ignores what does not name a model, so the command asks instead', () => {
      for (const arg of [undefined, null, 42, {}, { name: 'my model' }, { id: 'job-1' }, { model: 'tunedModels/x' }]) assert.equal(modelNameOf(arg), undefined, JSON.stringify(arg));
    });
  });

  it('lists ACTIVE tuned models, then base models unless only tuned ones are wanted', () => {
    const tuned = [
      active('tunedModels/a', { displayName: 'Alpha' }),
      active('tunedModels/b', { state: 'CREATING' }),
      active('tunedModels/c', { baseModel: undefined, tunedModelSource: { tunedModel: 'tunedModels/a', baseModel: 'models/src-002' } }),
      active('tunedModels/d', { baseModel: undefined }),
    ];
    assert.deepEqual(modelChoices(tuned, ['models/base-001'], false), [
      { model: 'tunedModels/a', label: 'Alpha', description: 'tunedModels/a', detail: 'tuned from models/base-001' },
      { model: 'tunedModels/c', label: 'tunedModels/c', description: 'tunedModels/c', detail: 'tuned from models/src-002' },
      { model: 'tunedModels/d', label: 'tunedModels/d', description: 'tunedModels/d', detail: 'tuned from another model' },
      { model: 'models/base-001', label: 'models/base-001', description: 'base model' },
    ]);
    assert.deepEqual(
      modelChoices(tuned, ['models/base-001'], true).map((c) => c.model),
      ['tunedModels/a', 'tunedModels/c', 'tunedModels/d'],
    );
  });

  it('finds the base model to compare with, or says why there is none', () => {
    assert.equal(baseModelOf(active('tunedModels/a')), 'models/base-001');
    assert.equal(baseModelOf(undefined), undefined);
    assert.match(noBaseModelMessage('models/base-001'), /is a base model already/);
    assert.match(noBaseModelMessage('tunedModels/gone'), /base model of tunedModels\/gone is not known/);
  });

  it('starts a prompt notebook with a heading that shows the title as text and one empty prompt', () => {
    const book = promptBookFor('tunedModels/a', '*Alpha* <b>');
    assert.deepEqual(book.metadata, { model: 'tunedModels/a', chat: false });
    assert.equal(book.cells.length, 2);
    assert.match(book.cells[0].source, /^# Prompts for \\\*Alpha\\\* /);
    assert.doesNotMatch(book.cells[0].source, /<b>/);
    assert.deepEqual(book.cells[1], { kind: 'prompt', source: '' });
  });

  describe('answers offered as a training output', () => {
    const outputs = [
      { metadata: { role: 'answer', model: 'tunedModels/a', candidateIndex: 0 }, text: 'Paris' },
      { metadata: { role: 'notice', kind: 'finish' }, text: 'ignored' },
      { metadata: { role: 'answer', model: 'tunedModels/a', candidateIndex: 1 }, text: 'Paris, France' },
      { text: 'a plain output' },
    ];

    it('lists each candidate and both sides of a comparison', () => {
      assert.deepEqual(answerChoices(outputs), [
        { label: 'Candidate 1', text: 'Paris', index: 0 },
        { label: 'Candidate 2', text: 'Paris, France', index: 1 },
      ]);
      const comparison = { role: 'comparison', tunedModel: 'tunedModels/a', baseModel: 'models/b', tunedText: 'T', baseText: 'B', tunedComplete: true, baseComplete: true };
      assert.deepEqual(answerChoices([{ metadata: comparison, text: 'table' }]), [
        { label: 'Tuned answer (tunedModels/a)', text: 'T', index: 0 },
        { label: 'Base answer (models/b)', text: 'B', index: 1 },
      ]);
    });

    it('uses the requested candidate, else the first, else nothing', () => {
      const answers = answerChoices(outputs);
      assert.equal(defaultAnswer(answers)?.text, 'Paris');
      assert.equal(defaultAnswer(answers, 1)?.text, 'Paris, France');
      assert.equal(defaultAnswer(answers, 7)?.text, 'Paris');
      assert.equal(defaultAnswer([]), undefined);
    });

    it('previews an answer on one line', () => {
      assert.equal(answerPreview('a\n\n b\tc'), 'a b c');
      assert.equal(answerPreview('x'.repeat(100)).length, 80);
    });
  });

  describe('evaluation', () => {
    it('names where each held-out example came from', () => {
      const origin = { file: 'held-out.jsonl', describe: (at: number) => `line ${at} of held-out.jsonl`, range: () => ({ start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }) };
      const loaded = [{ textInput: 'France', output: 'Paris', origin, at: 3 }] as unknown as LoadedExample[];
      assert.deepEqual(heldOutExamples(loaded), [{ textInput: 'France', output: 'Paris', where: 'line 3 of held-out.jsonl' }]);
    });

    it('pairs prompts with expected outputs and keeps a score only for runs that succeeded', () => {
      const examples = ['A', 'B', 'C'].map((o, i) => ({ textInput: `in ${i}`, output: o, where: `validation.examples[${i}]` }));
      const score = { exactMatch: true, tokenF1: 1, editSimilarity: 1 };
      const rows = evaluatedExamples(['in 0', 'in 1', 'in 2'], examples, [{ ok: true, text: 'A', score }, { ok: false, text: 'par', score: { exactMatch: false, tokenF1: 0, editSimilarity: 0 } }]);
      assert.deepEqual(rows, [
        { input: 'in 0', expected: 'A', answer: 'A', score },
        { input: 'in 1', expected: 'B', answer: 'par', score: undefined },
        { input: 'in 2', expected: 'C', answer: '', score: undefined },
      ]);
    });

    it('says what is missing and what was measured', () => {
      assert.equal(noHeldOutMessage('capitals.tuning.yaml'), 'capitals.tuning.yaml has no validation: examples to evaluate on. Add held-out examples under validation: (examples or examplesFile).');
      assert.equal(
        describeEvaluation('tunedModels/a', { count: 3, exactMatches: 2, exactMatchRate: 2 / 3, meanTokenF1: 7 / 9, meanEditSimilarity: 0.70353 }),
        'evaluated tunedModels/a on 3 examples: exact 2/3, mean token F1 0.778, mean edit similarity 0.704',
      );
    });

    it('shows the three measures side by side, per example and overall', () => {
      const peru = { exactMatch: false, tokenF1: 1 / 3, editSimilarity: 4 / 28 };
      assert.equal(describeExampleScore(peru), '✗ not an exact match · token F1 33.3% · edit similarity 14.3%');
      const rows = [
        { input: 'France', score: { exactMatch: true, tokenF1: 1, editSimilarity: 1 } },
        { input: 'Peru', score: peru },
        { input: 'Chile', score: undefined },
      ];
      assert.equal(
        resultsMarkdown(rows, overallScore(rows.map((r) => r.score))),
        [
          '## Results',
          '',
          '**Exact match 1/3 (33.3%) · mean token F1 44.4% · mean edit similarity 38.1%**',
          '',
          '| # | Input | Exact | Token F1 | Edit similarity |',
          '|---:|---|:---:|---:|---:|',
          '| 1 | France | ✓ | 100.0% | 100.0% |',
          '| 2 | Peru | ✗ | 33.3% | 14.3% |',
          '| 3 | Chile | failed | — | — |',
        ].join('\n'),
      );
    });
  });
});
