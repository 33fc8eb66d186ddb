// The tfjs engine on layered specs against a plain float64 computation: a forward pass in float64
// (NCHW, OIHW kernels, as checkpoints hold them), gradients by central differences of that loss, and
// the optimizer's update in float64; per-step losses and weights agree within 1e-5. Also: frozen
// layers, the weights' round trip, the refusal of dropout, and the layout helpers.
import { tinyConvnetSpec } from '@mnist/export/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { networkLayers, Rng, type Activation, type ModelSpec, type NamedWeight } from '@mnist/core';
import { initialWeights } from '../initializers.js';
import { hwioShape, hwioToOihw, oihwToHwio } from './kernel-layout.js';
import { maxPoolGradient } from './max-pool.js';
import { useTfjsBackend } from './backends.js';
import { TfjsEngine } from './tfjs-engine.js';

const TINY = tinyConvnetSpec();

/** Odd shapes: SAME with uneven pads under a stride and an input gradient, overlapping pools, a kernel gradient cut to k. */
const ODD: ModelSpec = {
  inputSize: 100,
  imageShape: [10, 10],
  hiddenUnits: [],
  activation: 'tanh',
  outputSize: 3,
  initializer: 'he',
  layers: [
    { kind: 'conv2d', filters: 2, kernelSize: 3, strides: 1, padding: 'valid' },
    { kind: 'conv2d', filters: 3, kernelSize: 3, strides: 2, padding: 'same' },
    { kind: 'maxPool2d', poolSize: 3, strides: 1 },
    { kind: 'conv2d', filters: 2, kernelSize: 1, strides: 2, padding: 'valid' },
    { kind: 'flatten' },
    { kind: 'dense', units: 3 },
  ],
};

const BATCH = 4;
const PIXEL_SCALE = 1 / 255;

let engine: TfjsEngine | undefined;
afterEach(() => {
  engine?.dispose();
  engine = undefined;
});

function data(spec: ModelSpec, count: number, seed: number) {
  const rng = new Rng(seed);
  const images = new Uint8Array(count * spec.inputSize);
  for (let i = 0; i < images.length; i++) images[i] = rng.int(256);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = rng.int(spec.outputSize);
  return { images, labels };
}

type Params = Map<string, { shape: number[]; values: Float64Array }>;

const act = (a: Activation, z: number): number => (a === 'relu' ? Math.max(z, 0) : Math.tanh(z));

/** Mean softmax cross-entropy of the layered `spec` in float64, images as the engine reads them (float32 pixels). */
function referenceLoss(spec: ModelSpec, params: Params, images: Uint8Array, labels: Uint8Array, rows: number[]): number {
  const a = spec.activation;
  let total = 0;
  for (const r of rows) {
    let h = Float64Array.from(images.subarray(r * spec.inputSize, (r + 1) * spec.inputSize), (b) => Math.fround(b * PIXEL_SCALE));
    for (const l of networkLayers(spec)) {
      const [c, rowsIn, colsIn] = l.inputShape;
      const out = new Float64Array(l.outputShape.reduce((x, y) => x * y, 1));
      if (l.layer.kind === 'conv2d') {
        const { kernelSize: k, strides: s } = l.layer;
        const [f, ro, co] = l.outputShape;
        const [top, left] = l.pads!;
        const w = params.get(l.weights!.kernel)!.values;
        const b = params.get(l.weights!.bias)!.values;
        for (let o = 0; o < f; o++) {
          for (let i = 0; i < ro; i++) {
            for (let j = 0; j < co; j++) {
              let z = b[o];
              for (let ch = 0; ch < c; ch++) {
                for (let p = 0; p < k; p++) {
                  for (let q = 0; q < k; q++) {
                    const y = i * s + p - top;
                    const x = j * s + q - left;
                    if (y >= 0 && y < rowsIn && x >= 0 && x < colsIn) z += h[(ch * rowsIn + y) * colsIn + x] * w[((o * c + ch) * k + p) * k + q];
                  }
                }
              }
              out[(o * ro + i) * co + j] = act(a, z);
            }
          }
        }
      } else if (l.layer.kind === 'maxPool2d') {
        const { poolSize: k, strides: s } = l.layer;
        const [, ro, co] = l.outputShape;
        for (let ch = 0; ch < c; ch++) {
          for (let i = 0; i < ro; i++) {
            for (let j = 0; j < co; j++) {
              let m = -Infinity;
              for (let p = 0; p < k; p++) for (let q = 0; q < k; q++) m = Math.max(m, h[(ch * rowsIn + i * s + p) * colsIn + j * s + q]);
              out[(ch * ro + i) * co + j] = m;
            }
          }
        }
      } else if (l.layer.kind === 'flatten') {
        out.set(h); // NCHW is already channel-major
      } else {
        const w = params.get(l.weights!.kernel)!.values;
        const b = params.get(l.weights!.bias)!.values;
        const units = l.outputShape[0];
        for (let u = 0; u < units; u++) {
          let z = b[u];
          for (let i = 0; i < h.length; i++) z += h[i] * w[i * units + u];
          out[u] = l.activated ? act(a, z) : z;
        }
      }
      h = out;
    }
    const max = Math.max(...h);
    const logSum = Math.log(h.reduce((sum, z) => sum + Math.exp(z - max), 0)) + max;
    total += logSum - h[labels[r]];
  }
  return total / rows.length;
}

/** d loss / d every weight by central differences (float64; h small enough for 1e-9, far from ReLU's kinks for random data). */
function referenceGradients(spec: ModelSpec, params: Params, images: Uint8Array, labels: Uint8Array, rows: number[]): Map<string, Float64Array> {
  const eps = 1e-6;
  const grads = new Map<string, Float64Array>();
  for (const [name, p] of params) {
    const g = new Float64Array(p.values.length);
    for (let i = 0; i < g.length; i++) {
      const keep = p.values[i];
      p.values[i] = keep + eps;
      const up = referenceLoss(spec, params, images, labels, rows);
      p.values[i] = keep - eps;
      const down = referenceLoss(spec, params, images, labels, rows);
      p.values[i] = keep;
      g[i] = (up - down) / (2 * eps);
    }
    grads.set(name, g);
  }
  return grads;
}

function toParams(weights: Map<string, NamedWeight>): Params {
  return new Map([...weights].map(([name, w]) => [name, { shape: [...w.shape], values: Float64Array.from(w.values) }]));
}

/** Steps `steps` batches on the engine and in float64; the largest gaps in loss and in weights over all steps. */
async function compare(spec: ModelSpec, optimizer: 'sgd' | 'momentum', backend: string, steps = 3) {
  const lr = 0.1;
  const { images, labels } = data(spec, 2 * BATCH, 11);
  const weights = initialWeights(spec, 5);
  engine = await TfjsEngine.create({ spec, optimizer: { name: optimizer, learningRate: lr, momentum: 0.9 }, backend });
  await engine.loadWeights(weights);
  const params = toParams(weights);
  const accum = new Map([...params].map(([name, p]) => [name, new Float64Array(p.values.length)]));
  let lossGap = 0;
  let weightGap = 0;
  for (let s = 0; s < steps; s++) {
    const rows = Array.from({ length: BATCH }, (_, i) => (s % 2) * BATCH + i);
    const expected = referenceLoss(spec, params, images, labels, rows);
    const grads = referenceGradients(spec, params, images, labels, rows);
    for (const [name, p] of params) {
      const g = grads.get(name)!;
      const a = accum.get(name)!;
      for (let i = 0; i < g.length; i++) {
        // TF1's ApplyGradientDescent and ApplyMomentum.
        if (optimizer === 'momentum') a[i] = a[i] * 0.9 + g[i];
        p.values[i] -= lr * (optimizer === 'momentum' ? a[i] : g[i]);
      }
    }
    const stats = await engine.runEpoch({ images, labels, batches: [Int32Array.from(rows)], pixelScale: PIXEL_SCALE });
    lossGap = Math.max(lossGap, Math.abs(stats.losses![0] - expected));
    const got = await engine.readWeights();
    for (const [name, p] of params) {
      const w = got.get(name)!;
      expect(w.shape, name).toEqual(p.shape);
      for (let i = 0; i < p.values.length; i++) weightGap = Math.max(weightGap, Math.abs(w.values[i] - p.values[i]));
    }
  }
  return { lossGap, weightGap };
}

describe('tfjs convnet against float64', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`${backend}: SGD steps of the tiny convnet (relu) agree in loss and weights`, async () => {
      const { lossGap, weightGap } = await compare(TINY, 'sgd', backend);
      expect(lossGap).toBeLessThan(1e-5);
      expect(weightGap).toBeLessThan(1e-5);
    });

    it(`${backend}: momentum steps of odd shapes (tanh, uneven SAME pads, overlapping pools) agree`, async () => {
      const { lossGap, weightGap } = await compare(ODD, 'momentum', backend);
      expect(lossGap).toBeLessThan(1e-5);
      expect(weightGap).toBeLessThan(1e-5);
    });
  }

  it('the float64 check can fail: a kernel read as HWIO instead of OIHW moves the loss', () => {
    const { images, labels } = data(TINY, BATCH, 11);
    const weights = initialWeights(TINY, 5);
    const params = toParams(weights);
    const right = referenceLoss(TINY, params, images, labels, [0, 1, 2, 3]);
    const k = weights.get('cnn/conv2/kernel')!;
    params.get('cnn/conv2/kernel')!.values = Float64Array.from(oihwToHwio(k.values, k.shape));
    expect(Math.abs(referenceLoss(TINY, params, images, labels, [0, 1, 2, 3]) - right)).toBeGreaterThan(1e-4);
  });
});

describe('tfjs engine on a layered spec', () => {
  it('keeps a frozen layer bit-identical and trains the rest', async () => {
    const { images, labels } = data(TINY, 2 * BATCH, 3);
    const weights = initialWeights(TINY, 2);
    engine = await TfjsEngine.create({ spec: TINY, optimizer: { name: 'adam', learningRate: 0.01 }, frozenLayers: ['conv1', 'conv2'], backend: 'wasm' });
    await engine.loadWeights(weights);
    await engine.runEpoch({ images, labels, batches: [Int32Array.of(0, 1, 2, 3), Int32Array.of(4, 5, 6, 7)], pixelScale: PIXEL_SCALE });
    const after = await engine.readWeights();
    for (const name of ['cnn/conv1/kernel', 'cnn/conv1/bias', 'cnn/conv2/kernel', 'cnn/conv2/bias']) {
      expect(Buffer.from(after.get(name)!.values.buffer), name).toEqual(Buffer.from(weights.get(name)!.values.buffer));
      expect(after.get(`${name}/Adam`)!.values.every((v) => v === 0), name).toBe(true);
    }
    for (const name of ['cnn/dense1/kernel', 'cnn/outputs/kernel', 'cnn/outputs/bias']) {
      expect(after.get(name)!.values.some((v, i) => v !== weights.get(name)!.values[i]), name).toBe(true);
    }
  });

  it('round-trips weights and optimizer slots bit-identically, conv kernels in OIHW', async () => {
    const { images, labels } = data(TINY, BATCH, 4);
    engine = await TfjsEngine.create({ spec: TINY, optimizer: { name: 'adam', learningRate: 0.01 }, backend: 'cpu' });
    await engine.loadWeights(initialWeights(TINY, 8));
    await engine.runEpoch({ images, labels, batches: [Int32Array.of(0, 1, 2, 3)], pixelScale: PIXEL_SCALE });
    const trained = await engine.readWeights();
    expect(trained.get('cnn/conv1/kernel')!.shape).toEqual([3, 1, 3, 3]);
    expect(trained.get('cnn/conv2/kernel/Adam_1')!.shape).toEqual([4, 3, 2, 2]);
    expect(trained.get('cnn/conv2/kernel/Adam_1')!.values.some((v) => v > 0)).toBe(true);
    engine.dispose();
    engine = await TfjsEngine.create({ spec: TINY, optimizer: { name: 'adam', learningRate: 0.01 }, backend: 'wasm' });
    await engine.loadWeights(trained);
    const back = await engine.readWeights();
    expect([...back.keys()].sort()).toEqual([...trained.keys()].sort());
    for (const [name, w] of trained) expect(Buffer.from(back.get(name)!.values.buffer), name).toEqual(Buffer.from(w.values.buffer));
    const bad = new Map(trained);
    bad.set('cnn/conv1/kernel', { name: 'cnn/conv1/kernel', shape: [3, 3, 1, 3], values: new Float32Array(27) });
    await expect(engine.loadWeights(bad)).rejects.toThrow('weights cnn/conv1/kernel has shape [3,3,1,3], the model needs [3,1,3,3]');
  });

  it('predicts what it trained on without leaking tensors, and refuses dropout in one line', async () => {
    const { images, labels } = data(TINY, 2 * BATCH, 6);
    engine = await TfjsEngine.create({ spec: TINY, optimizer: { name: 'sgd', learningRate: 0.05 }, backend: 'wasm' });
    await engine.loadWeights(initialWeights(TINY, 1));
    const epoch = { images, labels, batches: [Int32Array.of(0, 1, 2, 3), Int32Array.of(4, 5, 6, 7)], pixelScale: PIXEL_SCALE };
    await engine.runEpoch(epoch);
    const tensors = tf.memory().numTensors;
    await engine.runEpoch(epoch);
    const logits = await engine.predictLogits(images, 2 * BATCH, PIXEL_SCALE);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(logits.length).toBe(2 * BATCH * 3);
    engine.dispose();
    engine = undefined;
    await expect(TfjsEngine.create({ spec: TINY, optimizer: { name: 'sgd', learningRate: 0.05 }, dropoutRate: 0.5 })).rejects.toThrow(
      'dropoutRate 0.5: the tfjs engine trains a layered modelSpec without dropout, expected 0',
    );
  });
});

describe('kernel layout', () => {
  it('OIHW to HWIO puts [o, i, h, w] at [h, w, i, o] and back', () => {
    const shape = [2, 3, 2, 2];
    const values = Float32Array.from({ length: 24 }, (_, i) => i);
    const hwio = oihwToHwio(values, shape);
    expect(hwioShape(shape)).toEqual([2, 2, 3, 2]);
    // [o=1, i=2, h=0, w=1] is 1*12 + 2*4 + 0*2 + 1 = 21; at HWIO [0, 1, 2, 1]: ((0*2 + 1)*3 + 2)*2 + 1 = 11.
    expect(hwio[11]).toBe(21);
    expect(Array.from(hwioToOihw(hwio, shape))).toEqual(Array.from(values));
    expect(() => oihwToHwio(values, [2, 3, 4])).toThrow(RangeError);
  });
});

describe('max pooling gradient', () => {
  /** Each window's first maximum (row-major) gets dy, as TF's MaxPoolGrad; plain loops. */
  function expected(x: number[], rows: number, cols: number, p: number, s: number, dy: number[]): number[] {
    const outRows = Math.floor((rows - p) / s) + 1;
    const outCols = Math.floor((cols - p) / s) + 1;
    const dx = new Array<number>(rows * cols).fill(0);
    for (let i = 0; i < outRows; i++) {
      for (let j = 0; j < outCols; j++) {
        let best = -1;
        for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) {
          const at = (i * s + a) * cols + j * s + b;
          if (best < 0 || x[at] > x[best]) best = at;
        }
        dx[best] += dy[i * outCols + j];
      }
    }
    return dx;
  }

  for (const backend of ['cpu', 'wasm']) {
    for (const [p, s] of [[2, 2], [3, 2], [2, 3], [3, 1]]) {
      it(`${backend}: pool ${p} stride ${s} on 5x7 with ties gives each window's first maximum the gradient`, async () => {
        await useTfjsBackend(backend);
        // Small integers: many ties inside windows; a 5x7 image leaves rows and columns outside every window.
        const rng = new Rng(p * 10 + s);
        const x = Array.from({ length: 35 }, () => rng.int(3));
        const outRows = Math.floor((5 - p) / s) + 1;
        const outCols = Math.floor((7 - p) / s) + 1;
        const dy = Array.from({ length: outRows * outCols }, (_, i) => i + 1);
        const got = tf.tidy(() => {
          const xt = tf.tensor4d(x, [1, 5, 7, 1]);
          const y = tf.maxPool(xt, p, s, 'valid');
          return Array.from(maxPoolGradient(xt, y, tf.tensor4d(dy, [1, outRows, outCols, 1]), p, s).dataSync());
        });
        expect(got).toEqual(expected(x, 5, 7, p, s, dy));
      });
    }
  }
});
