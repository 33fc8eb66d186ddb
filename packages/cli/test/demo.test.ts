// `mnist demo` through the compiled bin: it serves the page (cross-origin isolated) and the model file
// it was given, byte for byte, and stops on SIGINT with exit 0; without an export yet, the training page.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, expectOneLineError, mnist, scratchDir, startLongRunning, stopWith, trainedModel } from './mnist-bin.fixture.js';

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

  it('serves the training page alone where the default model has not been exported yet', async () => {
    const fresh = join(work, 'fresh');
    mkdirSync(fresh);
    const { url, child, stderr } = await startLongRunning(['demo', '--port', '0'], { cwd: fresh });
    try {
      expect(url).toMatch(/\/train\.html$/);
      expect((await fetch(url)).status).toBe(200);
      expect((await fetch(new URL('model.onnx', url))).status).toBe(404);
      expect(stderr()).toContain('No model at checkpoints/dnn/model.onnx (mnist export writes it, or pass --model): serving the training page');
    } finally {
      expect(await stopWith(child, 'SIGINT')).toBe(0);
    }
  }, 180_000);

  it('refuses a --model that is not there in one line', () => {
    expectOneLineError(mnist('demo', '--model', join(work, 'missing.onnx')), /missing\.onnx: no such model file/);
  });
});
