// Which onnxruntime-web execution provider the training page trains on, and the one line that says why:
// wasm unless WebGPU was measured faster (or the page's `?provider=` asks for one). No DOM: tests run it in Node.

/** The providers the page trains on. */
export type TrainProvider = 'wasm' | 'webgpu';

/** The page's `?provider=` query: `auto` (default) measures both and takes the faster. */
export type ProviderRequest = 'auto' | TrainProvider;

/** What the worker's probe found: wasm's ms/step, and WebGPU's or why it failed (absent: no adapter). */
export interface ProviderProbe {
  wasmMsPerStep?: number;
  webgpu?: { msPerStep: number } | { error: string };
}

/** The provider chosen, and the parenthesised reason the page shows after it. */
export interface ProviderChoice {
  provider: TrainProvider;
  reason: string;
}

/**
 * Reads the page's `?provider=` query (absent: auto), or throws a one-line RangeError.
 * @example providerRequest(new URL(location.href).searchParams.get('provider')) // 'auto'
 */
export function providerRequest(query: string | null): ProviderRequest {
  if (query === null || query === '') return 'auto';
  if (query === 'auto' || query === 'wasm' || query === 'webgpu') return query;
  throw new RangeError(`provider (the ?provider= query) must be auto, wasm or webgpu, got "${query}"`);
}

const ms = (value: number) => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms/step`;

/**
 * The provider to train on from `probe` and the request, with the reason in one line.
 * @example chooseProvider({ wasmMsPerStep: 3.1, webgpu: { msPerStep: 41 } }, 'auto') // { provider: 'wasm', reason: 'WebGPU measured 41 ms/step vs wasm 3.1 ms/step' }
 */
export function chooseProvider(probe: ProviderProbe, request: ProviderRequest): ProviderChoice {
  const { webgpu, wasmMsPerStep } = probe;
  if (webgpu === undefined) {
    return { provider: 'wasm', reason: request === 'wasm' ? 'as ?provider=wasm asks' : 'no WebGPU in this browser' };
  }
  if ('error' in webgpu) return { provider: 'wasm', reason: `WebGPU failed: ${webgpu.error}` };
  const measured = `WebGPU measured ${ms(webgpu.msPerStep)} vs wasm ${wasmMsPerStep === undefined ? 'unmeasured' : ms(wasmMsPerStep)}`;
  if (request !== 'auto') return { provider: request, reason: `as ?provider=${request} asks; ${measured}` };
  const faster = wasmMsPerStep !== undefined && webgpu.msPerStep < wasmMsPerStep;
  return { provider: faster ? 'webgpu' : 'wasm', reason: measured };
}
