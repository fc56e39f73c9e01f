/**
 * The dense kernels the network runs on. Weights are Float32Array (row-major, addressed by an
 * offset into one parameter buffer); activations and gradients are Float64Array. Each inner loop
 * walks memory contiguously, which is what V8 compiles best.
 */
export type Vec = Float64Array;
export type Weights = Float32Array;

/** y[yo + r] = b[bo + r] + Σ_c W[wo + r·cols + c] · x[xo + c] (b optional). */
export function matVec(w: Weights, wo: number, rows: number, cols: number, x: Vec, xo: number, y: Vec, yo: number, bo = -1): void {
  for (let r = 0; r < rows; r++) y[yo + r] = rowDot(w, wo + r * cols, cols, x, xo, bo >= 0 ? w[bo + r] : 0);
}

/**
 * y[yo + r] = init[r] + Σ_c W[wo + r·stride + c] · x[xo + c]: the product with the first `cols`
 * columns of a matrix whose rows are `stride` long.
 */
export function matVecColumns(w: Weights, wo: number, rows: number, cols: number, stride: number, x: Vec, xo: number, y: Vec, yo: number, init: Vec): void {
  for (let r = 0; r < rows; r++) y[yo + r] = rowDot(w, wo + r * stride, cols, x, xo, init[r]);
}

/** sum + Σ_c W[row + c] · x[xo + c], four terms at a time. */
function rowDot(w: Weights, row: number, cols: number, x: Vec, xo: number, sum: number): number {
  let c = 0;
  for (; c + 3 < cols; c += 4) {
    sum += w[row + c] * x[xo + c] + w[row + c + 1] * x[xo + c + 1] + w[row + c + 2] * x[xo + c + 2] + w[row + c + 3] * x[xo + c + 3];
  }
  for (; c < cols; c++) sum += w[row + c] * x[xo + c];
  return sum;
}

/** dx[xo + c] += Σ_r W[wo + r·cols + c] · dy[yo + r]. */
export function matTVecAdd(w: Weights, wo: number, rows: number, cols: number, dy: Vec, yo: number, dx: Vec, xo: number): void {
  for (let r = 0; r < rows; r++) {
    const d = dy[yo + r];
    if (d === 0) continue;
    const row = wo + r * cols;
    for (let c = 0; c < cols; c++) dx[xo + c] += w[row + c] * d;
  }
}

/** G[go + r·cols + c] += dy[yo + r] · x[xo + c]; with `bias` ≥ 0 also G[bias + r] += dy[yo + r]. */
export function outerAdd(g: Vec, go: number, rows: number, cols: number, dy: Vec, yo: number, x: Vec, xo: number, bias = -1): void {
  for (let r = 0; r < rows; r++) {
    const d = dy[yo + r];
    if (d === 0) continue;
    const row = go + r * cols;
    for (let c = 0; c < cols; c++) g[row + c] += d * x[xo + c];
    if (bias >= 0) g[bias + r] += d;
  }
}

/**
 * G[go + r·cols + c] += Σ_t dy[t·rows + r] · xs[t][c] over every step t; with `bias` ≥ 0 also
 * G[bias + r] += Σ_t dy[t·rows + r]. The weight gradient of a whole sequence in one pass: each row
 * of G is loaded and stored once per four steps instead of once per step.
 */
export function outerAddSteps(g: Vec, go: number, rows: number, cols: number, dy: Vec, xs: readonly Vec[], bias = -1): void {
  const steps = xs.length;
  for (let r = 0; r < rows; r++) {
    const row = go + r * cols;
    let biasSum = 0;
    let t = 0;
    for (; t + 3 < steps; t += 4) {
      const d0 = dy[t * rows + r];
      const d1 = dy[(t + 1) * rows + r];
      const d2 = dy[(t + 2) * rows + r];
      const d3 = dy[(t + 3) * rows + r];
      biasSum += d0 + d1 + d2 + d3;
      if (d0 === 0 && d1 === 0 && d2 === 0 && d3 === 0) continue;
      const x0 = xs[t];
      const x1 = xs[t + 1];
      const x2 = xs[t + 2];
      const x3 = xs[t + 3];
      for (let c = 0; c < cols; c++) g[row + c] += d0 * x0[c] + d1 * x1[c] + d2 * x2[c] + d3 * x3[c];
    }
    for (; t < steps; t++) {
      const d = dy[t * rows + r];
      biasSum += d;
      if (d === 0) continue;
      const x = xs[t];
      for (let c = 0; c < cols; c++) g[row + c] += d * x[c];
    }
    if (bias >= 0) g[bias + r] += biasSum;
  }
}

/** Into `into` (cols × rows, row-major): the transpose of W[wo …] (rows × cols). */
export function transpose(w: Weights, wo: number, rows: number, cols: number, into: Weights): void {
  for (let r = 0; r < rows; r++) {
    const row = wo + r * cols;
    for (let c = 0; c < cols; c++) into[c * rows + r] = w[row + c];
  }
}

/** y[yo + r] += Σ_c W[wo + r·cols + c] · x[xo + c]: matVec that adds to y. */
export function matVecAdd(w: Weights, wo: number, rows: number, cols: number, x: Vec, xo: number, y: Vec, yo: number): void {
  for (let r = 0; r < rows; r++) {
    const row = wo + r * cols;
    let sum = 0;
    let c = 0;
    for (; c + 3 < cols; c += 4) {
      sum += w[row + c] * x[xo + c] + w[row + c + 1] * x[xo + c + 1] + w[row + c + 2] * x[xo + c + 2] + w[row + c + 3] * x[xo + c + 3];
    }
    for (; c < cols; c++) sum += w[row + c] * x[xo + c];
    y[yo + r] += sum;
  }
}

/** C (m×n) = A (m×k) · B (k×n), all row-major Float32Array: the plain reference kernel of the bench. */
export function matMul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): void {
  c.fill(0);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      const bRow = p * n;
      const cRow = i * n;
      for (let j = 0; j < n; j++) c[cRow + j] += av * b[bRow + j];
    }
  }
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
