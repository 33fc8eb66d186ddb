// Which onnxruntime-web build the classifier runs on. The entry a user imports selects it (in browsers
// @mnist/infer-web: the WebAssembly-only build, @mnist/infer-web/webgpu: the WebGPU build; in Node
// both: the Node build), so a bundle holds only the build that was asked for: each build is a separate
// module with its own wasm file.
import type { InferenceSession, Tensor, env } from 'onnxruntime-web';

/** The parts of an onnxruntime-web build the classifier uses (every build has the same API). */
export interface OrtWebBuild {
  InferenceSession: typeof InferenceSession;
  Tensor: typeof Tensor;
  env: typeof env;
}

/** 'wasm': WebAssembly only (browsers' default); 'webgpu': WebGPU, with wasm as its fallback; 'node': Node's wasm build. */
export type OrtBuildName = 'wasm' | 'webgpu' | 'node';

let selected: { name: OrtBuildName; build: OrtWebBuild } | undefined;
let started = false;

/**
 * Selects the build; called by wasm-build.ts, webgpu-build.ts or node-build.ts, which the entries import.
 * WebGPU's build also runs the wasm execution provider, so with both entries imported WebGPU's is kept.
 * @example selectOrtBuild('wasm', await import('onnxruntime-web/wasm'));
 */
export function selectOrtBuild(name: OrtBuildName, build: OrtWebBuild): void {
  if (selected?.name === 'webgpu' && name === 'wasm') return;
  if (started && selected?.name !== name) {
    throw new Error(`@mnist/infer-web: the ${selected?.name} build of onnxruntime-web already runs a model; import @mnist/infer-web/webgpu before the first load to use WebGPU`);
  }
  selected = { name, build };
}

/**
 * The selected build, fixed from now on (its wasm settings are about to be applied).
 * @example const { InferenceSession } = ortBuild().build;
 */
export function ortBuild(): { name: OrtBuildName; build: OrtWebBuild } {
  if (!selected) throw new Error('@mnist/infer-web: no onnxruntime-web build selected; import @mnist/infer-web (or @mnist/infer-web/webgpu), not its internal modules');
  started = true;
  return selected;
}

/** The execution providers a classifier may ask for; 'webgpu' needs @mnist/infer-web/webgpu. */
export type WebExecutionProvider = 'webgpu' | 'wasm';

/**
 * Checks the requested execution providers against the selected build. Default: ['wasm'], or on the
 * WebGPU build ['webgpu', 'wasm'] where the browser has WebGPU (navigator.gpu).
 * @example webExecutionProviders(undefined, 'wasm') // ['wasm']
 */
export function webExecutionProviders(requested: readonly WebExecutionProvider[] | undefined, build: OrtBuildName): WebExecutionProvider[] {
  if (requested === undefined) {
    const hasWebGpu = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu != null;
    return build === 'webgpu' && hasWebGpu ? ['webgpu', 'wasm'] : ['wasm'];
  }
  // Checked as users' JavaScript may pass anything (Array.isArray would narrow a typed array to any[]).
  const given: unknown = requested;
  if (!Array.isArray(given) || given.length === 0) {
    throw new TypeError('options.executionProviders must be a non-empty array of names (webgpu, wasm)');
  }
  for (const provider of requested) {
    if (provider !== 'webgpu' && provider !== 'wasm') {
      throw new RangeError(`options.executionProviders: unknown execution provider ${JSON.stringify(provider)}; valid choices: webgpu, wasm`);
    }
    if (provider === 'webgpu' && build === 'node') {
      throw new RangeError(`options.executionProviders: onnxruntime-web runs 'webgpu' in browsers only; in Node, @mnist/infer-node takes executionProviders ['webgpu']`);
    }
    if (provider === 'webgpu' && build !== 'webgpu') {
      throw new RangeError(`options.executionProviders: 'webgpu' needs onnxruntime-web's WebGPU build: import { MnistClassifier } from '@mnist/infer-web/webgpu'`);
    }
  }
  return [...requested];
}
