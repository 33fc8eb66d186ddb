// The training page's provider choice, in Node: wasm without an adapter or when WebGPU fails (saying
// why), the faster of the two measured, `?provider=` forcing one, and the query read with a one-line refusal.
import { describe, expect, it } from 'vitest';
import { chooseProvider, providerRequest } from '../page/provider-choice.ts';
import { lossDisagreement } from '../page/provider-probe.ts';

describe('chooseProvider', () => {
  it('takes wasm without a WebGPU adapter, whatever was asked', () => {
    expect(chooseProvider({}, 'auto')).toEqual({ provider: 'wasm', reason: 'no WebGPU in this browser' });
    expect(chooseProvider({}, 'webgpu')).toEqual({ provider: 'wasm', reason: 'no WebGPU in this browser' });
    expect(chooseProvider({}, 'wasm')).toEqual({ provider: 'wasm', reason: 'as ?provider=wasm asks' });
  });

  it('takes the faster of the two measured, and says both ms/step', () => {
    expect(chooseProvider({ wasmMsPerStep: 3.14, webgpu: { msPerStep: 41.2 } }, 'auto')).toEqual({ provider: 'wasm', reason: 'WebGPU measured 41 ms/step vs wasm 3.1 ms/step' });
    expect(chooseProvider({ wasmMsPerStep: 12, webgpu: { msPerStep: 2.05 } }, 'auto')).toEqual({ provider: 'webgpu', reason: 'WebGPU measured 2.0 ms/step vs wasm 12 ms/step' });
    // A tie stays on wasm: its weights are bit for bit Node's.
    expect(chooseProvider({ wasmMsPerStep: 5, webgpu: { msPerStep: 5 } }, 'auto').provider).toBe('wasm');
  });

  it('trains where ?provider= asks once measured, and on wasm when WebGPU failed', () => {
    expect(chooseProvider({ wasmMsPerStep: 3, webgpu: { msPerStep: 400 } }, 'webgpu')).toEqual({
      provider: 'webgpu',
      reason: 'as ?provider=webgpu asks; WebGPU measured 400 ms/step vs wasm 3.0 ms/step',
    });
    expect(chooseProvider({ wasmMsPerStep: 3, webgpu: { error: 'no available backend found. ERR: [webgpu] ...' } }, 'webgpu')).toEqual({
      provider: 'wasm',
      reason: 'WebGPU failed: no available backend found. ERR: [webgpu] ...',
    });
  });
});

describe('providerRequest', () => {
  it('reads ?provider= (absent: auto) and refuses anything else in one line', () => {
    expect([null, '', 'auto', 'wasm', 'webgpu'].map(providerRequest)).toEqual(['auto', 'auto', 'auto', 'wasm', 'webgpu']);
    expect(() => providerRequest('webgl')).toThrow(new RangeError('provider (the ?provider= query) must be auto, wasm or webgpu, got "webgl"'));
  });
});

describe('lossDisagreement', () => {
  it('is relative for large losses, absolute below 1, and infinite for different lengths', () => {
    expect(lossDisagreement(Float32Array.of(2.3, 10), Float32Array.of(2.3, 10.01))).toBeCloseTo(0.001, 6);
    expect(lossDisagreement(Float32Array.of(0.5), Float32Array.of(0.25))).toBe(0.25);
    expect(lossDisagreement(Float32Array.of(1), Float32Array.of(1, 2))).toBe(Number.POSITIVE_INFINITY);
    expect(lossDisagreement(Float32Array.of(1), Float32Array.of(Number.NaN))).toBeNaN();
  });
});
