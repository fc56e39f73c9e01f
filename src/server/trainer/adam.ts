const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;
/** Weights stay in ±WEIGHT_LIMIT, so even an absurd learning rate cannot overflow the network. */
const WEIGHT_LIMIT = 50;

/**
 * Adam on float32 weights. The moments are float32 as well, so the whole optimizer state is what a
 * checkpoint stores, and a resumed run repeats the uninterrupted one bit for bit.
 */
export class Adam {
  constructor(
    readonly weights: Float32Array,
    readonly m: Float32Array = new Float32Array(weights.length),
    readonly v: Float32Array = new Float32Array(weights.length),
  ) {
    if (m.length !== weights.length || v.length !== weights.length) throw new Error('optimizer state does not match the weights');
  }

  /** Step number `t` (1-based) of size `stepSize` along `grad`; weights in [boost.start, boost.end) take `boost.factor` × larger steps. */
  update(grad: Float64Array, t: number, stepSize: number, boost?: { start: number; end: number; factor: number }): void {
    const { weights, m, v } = this;
    const c1 = 1 - Math.pow(BETA1, t);
    const c2 = 1 - Math.pow(BETA2, t);
    for (let i = 0; i < weights.length; i++) {
      const g = grad[i];
      const weightStep = boost && i >= boost.start && i < boost.end ? stepSize * boost.factor : stepSize;
      if (g === 0 && m[i] === 0) continue;
      const mi = (m[i] = BETA1 * m[i] + (1 - BETA1) * g);
      const vi = (v[i] = BETA2 * v[i] + (1 - BETA2) * g * g);
      const next = weights[i] - (weightStep * (mi / c1)) / (Math.sqrt(vi / c2) + EPSILON);
      weights[i] = next > WEIGHT_LIMIT ? WEIGHT_LIMIT : next < -WEIGHT_LIMIT ? -WEIGHT_LIMIT : next;
    }
  }
}
