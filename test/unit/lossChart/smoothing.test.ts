import * as assert from 'node:assert/strict';
import { EmaAccumulator, clampSmoothing, ema } from '../../../src/core/lossChart/smoothing';

describe('loss chart smoothing: EMA', () => {
  it('is the identity with factor 0', () => {
    assert.deepEqual(ema([3, 1, 2], 0), [3, 1, 2]);
  });

  it('keeps the first value (debiased) and follows the TensorBoard formula', () => {
    const out = ema([2, 4], 0.5);
    assert.equal(out[0], 2);
    // last = (0*0.5 + 0.5*2)*0.5 + 0.5*4 = 2.5, debiased by 1 - 0.25
    assert.ok(Math.abs((out[1] as number) - 2.5 / 0.75) < 1e-12);
  });

  it('smooths a noisy flat series towards its mean', () => {
    const noisy = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 0 : 2));
    const smoothed = ema(noisy, 0.9);
    assert.ok(Math.abs((smoothed[199] as number) - 1) < 0.1);
  });

  it('leaves gaps as gaps without moving the average', () => {
    const out = ema([1, null, 1], 0.6);
    assert.equal(out[1], null);
    assert.ok(Math.abs((out[2] as number) - 1) < 1e-12);
  });

  it('gives an empty result for empty input and clamps odd factors', () => {
    assert.deepEqual(ema([], 0.6), []);
    assert.equal(clampSmoothing(-1), 0);
    assert.equal(clampSmoothing(Number.NaN), 0);
    assert.equal(clampSmoothing(1), 0.999);
    assert.equal(new EmaAccumulator(5).factor, 0.999);
  });
});
