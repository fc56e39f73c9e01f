import * as assert from 'node:assert/strict';
import type { State } from '../../../src/core/api/types';
import { fromGeminiState, fromGeminiTunedModel } from '../../../src/core/tuning/geminiApi';
import { type FinishedJob, INDIVIDUAL_NOTICE_LIMIT, planJobNotices } from '../../../src/core/tunedModels/jobNotices';

function ended(id: string, state: State, previous: State | undefined = 'CREATING'): FinishedJob {
  const model = fromGeminiTunedModel({ name: `tunedModels/${id}`, displayName: `Model ${id}`, state });
  return { model, previous: previous && fromGeminiState(previous) };
}

const reasons = (name: string): string | undefined => (name.endsWith('-bad') ? 'loss went to NaN' : undefined);

describe('tree: job notices', () => {
  it('gives each job its own notice up to the limit', () => {
    const notices = planJobNotices([ended('a', 'ACTIVE'), ended('b-bad', 'FAILED'), ended('c', 'ACTIVE')], reasons);
    assert.deepEqual(notices, [
      { kind: 'ready', name: 'tunedModels/a', label: 'Model a' },
      { kind: 'failed', name: 'tunedModels/b-bad', label: 'Model b-bad', reason: 'loss went to NaN' },
      { kind: 'ready', name: 'tunedModels/c', label: 'Model c' },
    ]);
  });

  it('sums up the jobs beyond the limit in one notice that names them all', () => {
    const changes = [...'abcdefg'].map((id) => ended(id, 'ACTIVE')).concat(ended('h-bad', 'FAILED'));
    const notices = planJobNotices(changes, reasons);
    assert.equal(INDIVIDUAL_NOTICE_LIMIT, 3);
    assert.equal(notices.length, 4);
    const summary = notices[3];
    assert.equal(summary.kind, 'summary');
    assert.equal(summary.kind === 'summary' && summary.message, '5 more tuned models finished: 5 ACTIVE');
    assert.deepEqual(summary.kind === 'summary' && summary.names, ['tunedModels/c', 'tunedModels/d', 'tunedModels/e', 'tunedModels/f', 'tunedModels/g']);
  });

  it('gives failures their own notice first, each with its reason', () => {
    const changes = [ended('a', 'ACTIVE'), ended('b', 'ACTIVE'), ended('c', 'ACTIVE'), ended('d', 'ACTIVE'), ended('e-bad', 'FAILED'), ended('f', 'FAILED')];
    const notices = planJobNotices(changes, reasons);
    // Individual notices keep the order the jobs were listed in.
    assert.deepEqual(
      notices.map((n) => (n.kind === 'summary' ? n.message : `${n.kind} ${n.name}`)),
      ['ready tunedModels/a', 'failed tunedModels/e-bad', 'failed tunedModels/f', '3 more tuned models finished: 3 ACTIVE'],
    );
  });

  it('counts both states in the summary, and says "model" for one', () => {
    const failures = [...'abcd'].map((id) => ended(id, 'FAILED'));
    const mixed = planJobNotices([...failures, ended('x', 'ACTIVE'), ended('y', 'ACTIVE')], reasons);
    assert.deepEqual(mixed.at(-1), {
      kind: 'summary',
      names: ['tunedModels/d', 'tunedModels/x', 'tunedModels/y'],
      active: 2,
      failed: 1,
      message: '3 more tuned models finished: 2 ACTIVE, 1 FAILED',
    });
    const one = planJobNotices([...'abcd'].map((id) => ended(id, 'ACTIVE')), reasons);
    assert.equal((one[3] as { message: string }).message, '1 more tuned model finished: 1 ACTIVE');
    const none = planJobNotices([...'ab'].map((id) => ended(id, 'FAILED')), reasons, 0);
    assert.deepEqual(none, [{ kind: 'summary', names: ['tunedModels/a', 'tunedModels/b'], active: 0, failed: 2, message: '2 tuned models finished: 2 FAILED' }]);
  });

  it('ignores what is not a job ending: new models, CREATING, a model without a name', () => {
    const notices = planJobNotices(
      [
        { model: fromGeminiTunedModel({ name: 'tunedModels/new', state: 'ACTIVE' }), previous: undefined },
        ended('again', 'CREATING', 'ACTIVE'),
        ended('renamed', 'ACTIVE', 'ACTIVE'),
        { model: fromGeminiTunedModel({ state: 'ACTIVE' }), previous: 'creating' },
        ended('real', 'ACTIVE'),
      ],
      reasons,
    );
    assert.deepEqual(notices, [{ kind: 'ready', name: 'tunedModels/real', label: 'Model real' }]);
  });
});
