import { randomBytes } from 'node:crypto';

/** xoshiro128**: a small, fast, seedable generator whose whole state is four 32-bit words. */
export class Rng {
  private readonly s: Uint32Array;

  constructor(state: ArrayLike<number>) {
    this.s = Uint32Array.from(state);
    if (this.s.length !== 4) throw new Error('Rng state must be four 32-bit words');
    if (this.s.every((w) => w === 0)) this.s[0] = 1;
  }

  /** A generator determined by the given integers (any sign, any magnitude up to 2^53). */
  static fromSeed(...parts: number[]): Rng {
    let h = 0x9e3779b9;
    for (const part of parts) {
      const whole = Math.trunc(part);
      const low = whole >>> 0;
      const high = Math.floor(whole / 4294967296) >>> 0;
      h = splitMix32(h ^ low);
      h = splitMix32(h ^ high);
    }
    const state: number[] = [];
    for (let i = 0; i < 4; i++) {
      h = splitMix32(h + i);
      state.push(h);
    }
    return new Rng(state);
  }

  static random(): Rng {
    const bytes = randomBytes(16);
    return new Rng([0, 1, 2, 3].map((i) => bytes.readUInt32LE(i * 4)));
  }

  get state(): number[] {
    return Array.from(this.s);
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function splitMix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A fresh permutation of 0..n-1 drawn from `rng` (Fisher–Yates). */
export function permutation(n: number, rng: Rng): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}
