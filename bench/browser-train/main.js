// The browser training bench's page: runs each configuration in its own module worker (onnxruntime-web
// and tfjs-wasm read their thread counts once per instance), one at a time, and measures the page's
// memory (workers included) while that worker still holds its model.
async function memoryBytes() {
  if (typeof performance.measureUserAgentSpecificMemory !== 'function') return undefined;
  return (await performance.measureUserAgentSpecificMemory()).bytes;
}

window.bench = {
  isolated: () => crossOriginIsolated,
  // Whether this browser gives a page WebGL 2 at all (tfjs-webgl's precondition).
  webgl2: () => {
    const gl = document.createElement('canvas').getContext('webgl2');
    return gl ? `${gl.getParameter(gl.VERSION)} (${gl.getParameter(gl.getExtension('WEBGL_debug_renderer_info')?.UNMASKED_RENDERER_WEBGL ?? gl.RENDERER)})` : null;
  },
  run: (message) =>
    new Promise((resolve) => {
      const worker = new Worker(new URL('./bench-worker.js', import.meta.url), { type: 'module' });
      worker.onerror = (event) => resolve({ error: event.message || 'worker failed to load' });
      worker.onmessage = async (event) => {
        const memory = event.data.error ? undefined : await memoryBytes();
        worker.terminate();
        resolve({ ...event.data, memoryBytes: memory });
      };
      worker.postMessage(message);
    }),
};
document.body.dataset.ready = 'yes';
