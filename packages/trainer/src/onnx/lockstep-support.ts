// Where the onnx engine finds the lockstep runner: registered by the Node entry (it is a native addon
// over onnxruntime-node), absent elsewhere, so the engine's module graph holds no Node-only import.
import type { ModelSpec, NamedWeight } from '@mnist/core';
import type { ResolvedOptimizer } from '../optimizer-slots.js';

/** What the engine uses of a lockstep runner (onnx/lockstep-runner.ts's LockstepRunner). */
export interface LockstepRunnerLike {
  readonly cores: number;
  /** Splits the model weights (checkpoint names) into the runner's slices. */
  setWeights(weights: Map<string, NamedWeight>): void;
  /** The model weights joined back from the slices. */
  weights(): Map<string, NamedWeight>;
  /** Trains `steps` batches (rows of `batches`, `batchSize` each) and resolves to their losses. */
  runBlock(images: Uint8Array, labels: Uint8Array, batches: Int32Array, steps: number, batchSize: number, pixelScale: number): Promise<Float32Array>;
  dispose(): void;
}

/** A lockstep implementation: why it cannot take a run, and the runner (its constructor throws when its addon cannot load). */
export interface LockstepModule {
  lockstepRefusal(spec: ModelSpec, optimizer: ResolvedOptimizer, dropoutRate: number, backend: string, cores?: number, available?: number, frozenLayers?: readonly string[]): string | undefined;
  LockstepRunner: new (spec: ModelSpec, learningRate: number, cores?: number) => LockstepRunnerLike;
}

let loader: (() => Promise<LockstepModule>) | undefined;

/**
 * Registers how to load the lockstep runner (imported on first use only). The Node entry registers
 * onnx/lockstep-runner.ts; a later registration replaces it.
 * @example registerLockstep(() => import('./lockstep-runner.js'));
 */
export function registerLockstep(load: () => Promise<LockstepModule>): void {
  loader = load;
}

/**
 * The registered lockstep runner's module, or undefined when none is registered (a browser).
 * @example const lockstep = await loadLockstep(); const refusal = lockstep ? lockstep.lockstepRefusal(spec, sgd, 0, backend) : unregisteredLockstepRefusal(backend);
 */
export async function loadLockstep(): Promise<LockstepModule | undefined> {
  return loader?.();
}

/**
 * Why no lockstep runner can take a run where none is registered: the same words the Node runner gives
 * a run on another backend, so a browser's selection line reads as Node's on onnxruntime-web.
 * @example unregisteredLockstepRefusal('onnxruntime-web') // 'it runs on onnxruntime-node, not onnxruntime-web'
 */
export function unregisteredLockstepRefusal(backend: string): string {
  return backend === 'onnxruntime-node' ? 'it is not registered here (the Node entry registers it)' : `it runs on onnxruntime-node, not ${backend}`;
}
