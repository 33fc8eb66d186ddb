// The layer pieces on their own: MaxPool's gradient lands exactly where the float64 reference puts
// each maximum (ties included, overlapping windows added), and odd geometries (asymmetric SAME pads,
// strides that drop rows, overlapping pools) train as the reference does.
import { networkLayers, Rng, type ModelSpec } from '@mnist/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeModel, GraphBuilder, irVersionForOpset } from '../graph-builder.js';
import { convnetForward, maxAbsDifference, randomCheckpoint, referenceState, referenceStep } from '../testing/index.js';
import { buildTrainingGraph, TRAINING_GRAPH_NAMES, updatedWeightName } from '../training-graph.js';
import { layerKernel, LAYER_KERNELS } from './registry.js';

const poolSpec = (poolSize: number, strides: number): ModelSpec => ({
  inputSize: 36,
  imageShape: [6, 6],
  hiddenUnits: [],
  activation: 'relu',
  outputSize: 2,
  initializer: 'he',
  layers: [{ kind: 'maxPool2d', poolSize, strides }, { kind: 'flatten' }, { kind: 'dense', units: 2 }],
});

/** dX of the maxPool2d piece for x [rows, 1, 6, 6] and dY, run in onnxruntime-node. */
async function poolGradient(spec: ModelSpec, x: Float32Array, dy: Float32Array, rows: number): Promise<Float32Array> {
  const [pool] = networkLayers(spec);
  const g = new GraphBuilder({ opset: 17 });
  const input = g.input('x', 'float32', [rows, ...pool.inputShape]);
  const dOutput = g.input('dy', 'float32', [rows, ...pool.outputShape]);
  const kernel = layerKernel('maxPool2d');
  const forward = kernel.forward(g, pool, input);
  const { dInput } = kernel.backward(g, { layer: pool, input, forward, dOutput, weightGradients: false, inputGradient: true });
  g.output(dInput as string, 'float32', [rows, ...pool.inputShape]);
  const session = await ort.InferenceSession.create(encodeModel(g.build({ irVersion: irVersionForOpset(17) })));
  try {
    const out = await session.run({ x: new ort.Tensor('float32', x, [rows, ...pool.inputShape]), dy: new ort.Tensor('float32', dy, [rows, ...pool.outputShape]) });
    return out[dInput as string].data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('layer pieces', () => {
  it('registers one piece per layer kind', () => {
    expect(Object.keys(LAYER_KERNELS).sort()).toEqual(['conv2d', 'dense', 'flatten', 'maxPool2d']);
    expect(() => layerKernel('dropout' as 'dense')).toThrow(/layer kind must be one of/);
  });

  for (const [poolSize, strides] of [
    [2, 2],
    [3, 2],
  ]) {
    it(`maxPool2d ${poolSize} stride ${strides}: dY lands exactly on the reference's maxima, ties and overlaps included`, async () => {
      const spec = poolSpec(poolSize, strides);
      const rows = 4;
      const rng = new Rng(poolSize);
      // Three levels only, so most windows hold a tie.
      const x = Float32Array.from({ length: rows * 36 }, () => rng.int(3));
      const f = convnetForward(spec, randomCheckpoint([], 1, spec).weights, x, 1);
      const argmax = f.argmax[0] as Int32Array;
      const dy = Float32Array.from({ length: argmax.length }, (_, i) => i + 1);
      const expected = new Float32Array(x.length);
      argmax.forEach((at, o) => (expected[at] += dy[o]));
      expect(Array.from(await poolGradient(spec, x, dy, rows))).toEqual(Array.from(expected));
      if (strides < poolSize) expect(new Set(argmax).size).toBeLessThan(argmax.length);
    });
  }

  it('an overlapping maxPool2d needs opset 16 for its gradient, said in one line', () => {
    const spec = poolSpec(3, 2);
    // A conv below the pool, so its gradient is needed.
    const withConv = { ...spec, layers: [{ kind: 'conv2d', filters: 1, kernelSize: 1, strides: 1, padding: 'valid' } as const, ...spec.layers!] };
    expect(() => buildTrainingGraph(withConv, { learningRate: 0.1, optimizer: 'sgd', opset: 16 })).not.toThrow();
    expect(() => buildTrainingGraph(withConv, { learningRate: 0.1, optimizer: 'sgd', opset: 15 })).toThrow(/^opset must be 16 or later for the gradient of maxPool2d with strides < poolSize/);
  });

  it('asymmetric SAME pads, a stride that drops rows and an overlapping pool train as the reference', async () => {
    const spec: ModelSpec = {
      inputSize: 42,
      imageShape: [7, 6],
      hiddenUnits: [],
      activation: 'tanh',
      outputSize: 3,
      initializer: 'he',
      layers: [
        { kind: 'conv2d', filters: 2, kernelSize: 4, strides: 2, padding: 'same' },
        { kind: 'conv2d', filters: 3, kernelSize: 2, strides: 1, padding: 'same' },
        { kind: 'maxPool2d', poolSize: 3, strides: 1 },
        { kind: 'flatten' },
        { kind: 'dense', units: 3 },
      ],
    };
    expect(networkLayers(spec)[0].pads).toEqual([1, 1, 2, 1]);
    const optimizer = { name: 'sgd', learningRate: 0.2 } as const;
    const [steps, batch] = [2, 3];
    const rng = new Rng(8);
    const images = Uint8Array.from({ length: steps * batch * spec.inputSize }, () => rng.int(256));
    const labels = Uint8Array.from({ length: steps * batch }, () => rng.int(3));
    const state = referenceState({ spec, optimizer }, randomCheckpoint([], 2, spec).weights);
    const session = await ort.InferenceSession.create(buildTrainingGraph(spec, { learningRate: 0.2, optimizer: 'sgd' }));
    const feeds: Record<string, ort.Tensor> = {
      [TRAINING_GRAPH_NAMES.images]: new ort.Tensor('uint8', images, [steps, batch, spec.inputSize]),
      [TRAINING_GRAPH_NAMES.labels]: new ort.Tensor('uint8', labels, [steps, batch]),
    };
    for (const [name, w] of state) feeds[name] = new ort.Tensor('float32', w.values.slice(), w.shape);
    const out = await session.run(feeds);
    await session.release();
    const losses = out[TRAINING_GRAPH_NAMES.losses].data as Float32Array;
    for (let s = 0; s < steps; s++) {
      const rows = (a: Uint8Array, width: number) => a.subarray(s * batch * width, (s + 1) * batch * width);
      const expected = referenceStep({ spec, optimizer }, state, { images: rows(images, spec.inputSize), labels: rows(labels, 1), pixelScale: 1 / 255 });
      expect(Math.abs(losses[s] - expected), `step ${s}`).toBeLessThan(1e-5);
    }
    const after = new Map([...state].map(([name, w]) => [name, { ...w, values: out[updatedWeightName(name)].data as Float32Array }]));
    expect(maxAbsDifference(after, state)).toBeLessThan(1e-5);
  });
});
