// `mnist demo` through the compiled bin: it serves the page (cross-origin isolated) and the model file
// it was given, byte for byte, and stops on SIGINT with exit 0.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, scratchDir, startLongRunning, stopWith, trainedModel } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-demo-');
let model: string;
beforeAll(() => {
  buildCli();
  model = trainedModel(join(work, 'dnn')).model;
}, 300_000);

describe('demo', () => {
  it('demo serves the page and the model, and stops on SIGINT with exit 0', async () => {
    const { url, child } = await startLongRunning(['demo', '--model', model, '--port', '0']);
    try {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      const onnx = await fetch(new URL('model.onnx', url));
      expect(Buffer.from(await onnx.arrayBuffer()).equals(readFileSync(model))).toBe(true);
    } finally {
      expect(await stopWith(child, 'SIGINT')).toBe(0);
    }
  }, 180_000);
});
