// The worker's measurement of one execution provider: a few throwaway optimizer steps of the page's
// network on synthetic data (the time of a step does not depend on the pixels), after a warm-up run
// that builds the sessions (WebGPU compiles its shaders there). On WebGPU, ONNX Runtime puts the
// training graph's Loop on the CPU (wasm) provider and partitions its body: the Gemms, activations and
// updates on WebGPU, the uint8 batch slicing and casts, OneHot and LogSoftmax on the CPU, with copies
// between them (and the loop-carried weights) every step; the measurement says what that costs. Both providers get the same weights
// and batches, so their losses can be compared: a provider that computes something else is refused.
import { DEFAULT_MODEL_SPEC, layerNames, type ModelSpec, type NamedWeight } from '@mnist/core';
import { createEngine, type EpochData, type OptimizerName } from '@mnist/trainer/browser';

/** Steps per measured run: one Loop run of the training graph, long enough to time, short on SwiftShader. */
export const PROBE_STEPS = 10;
const BATCH = 50;

/** What the probe trains: the form's network and optimizer. */
export interface ProbeSettings {
  hiddenUnits: number[];
  optimizer: string;
  learningRate: number;
  seed: number;
}

/** ms per optimizer step after warm-up, and the warm-up run's per-step losses. */
export interface ProbeResult {
  msPerStep: number;
  losses: Float32Array;
}

/**
 * Times PROBE_STEPS steps on the execution provider the trainer is configured with (configureBrowserTrainer).
 * @example configureBrowserTrainer({ ..., executionProvider: 'webgpu', loadWebGpu }); const { msPerStep } = await probeProvider(settings);
 */
export async function probeProvider(settings: ProbeSettings): Promise<ProbeResult> {
  const spec: ModelSpec = { ...DEFAULT_MODEL_SPEC, hiddenUnits: [...settings.hiddenUnits] };
  const { engine } = await createEngine('onnx', { spec, optimizer: { name: settings.optimizer as OptimizerName, learningRate: settings.learningRate }, backend: 'web', cores: 1 });
  try {
    await engine.loadWeights(probeWeights(spec, settings.seed));
    const data = probeData(spec.inputSize, settings.seed);
    const { losses } = await engine.runEpoch(data);
    if (losses === undefined) throw new Error('the onnx engine reported no per-step losses');
    // The better of two timed runs: one run of a few steps is easily disturbed (a GC, another tab).
    let msPerStep = Number.POSITIVE_INFINITY;
    for (let run = 0; run < 2; run++) {
      const started = performance.now();
      await engine.runEpoch(data);
      msPerStep = Math.min(msPerStep, (performance.now() - started) / PROBE_STEPS);
    }
    if (!losses.every(Number.isFinite)) throw new Error(`its losses are not finite (${Array.from(losses.slice(0, 3)).join(', ')}, ...)`);
    return { msPerStep, losses };
  } finally {
    engine.dispose();
  }
}

/**
 * The largest difference between two probes' losses, relative to their size: WebGPU's float math differs
 * from wasm's in the last bits, a wrong kernel by far more.
 * @example lossDisagreement(wasm.losses, webgpu.losses) < 1e-3
 */
export function lossDisagreement(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
  return worst;
}

// A small xorshift stream: the same bytes for every provider from the seed.
function bytes(count: number, seed: number): Uint8Array {
  let x = seed >>> 0 || 0x9e3779b9;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function probeWeights(spec: ModelSpec, seed: number): Map<string, NamedWeight> {
  const weights = new Map<string, NamedWeight>();
  for (const layer of layerNames(spec)) {
    const size = layer.kernelShape.reduce((a, b) => a * b, 1);
    const scale = 1 / Math.sqrt(layer.fanIn);
    const raw = bytes(size, seed + weights.size + 1);
    weights.set(layer.kernel, { name: layer.kernel, shape: layer.kernelShape, values: Float32Array.from(raw, (b) => ((b - 127.5) / 127.5) * scale) });
    weights.set(layer.bias, { name: layer.bias, shape: layer.biasShape, values: new Float32Array(layer.biasShape.reduce((a, b) => a * b, 1)) });
  }
  return weights;
}

function probeData(inputSize: number, seed: number): EpochData {
  const rows = PROBE_STEPS * BATCH;
  const labels = Uint8Array.from(bytes(rows, seed + 100), (b) => b % 10);
  const batches = Array.from({ length: PROBE_STEPS }, (_, s) => Int32Array.from({ length: BATCH }, (_, i) => s * BATCH + i));
  return { images: bytes(rows * inputSize, seed + 200), labels, batches, pixelScale: 1 / 255 };
}
