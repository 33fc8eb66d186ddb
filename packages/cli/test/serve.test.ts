// `mnist serve` through the compiled bin: it answers /healthz, /v1/model and /v1/predict with the model
// it was given, stops on SIGTERM with exit 0, and without --model or its default says how to make one.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, expectOneLineError, runMnist, scratchDir, startLongRunning, stopWith, trainedModel } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-serve-');
let trained: ReturnType<typeof trainedModel>;
beforeAll(() => {
  buildCli();
  trained = trainedModel(join(work, 'dnn'));
}, 300_000);

describe('serve', () => {
  it('serve answers /v1/predict with the model and stops on SIGTERM with exit 0', async () => {
    const { url, child } = await startLongRunning(['serve', '--model', trained.model, '--port', '0']);
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      const meta = (await (await fetch(`${url}/v1/model`)).json()) as { testAccuracy: number };
      expect(meta.testAccuracy).toBe(trained.testAccuracy);
      const predicted = (await (await fetch(`${url}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ images: [new Array(784).fill(0)] }),
      })).json()) as { classes: number[] };
      expect(predicted.classes).toHaveLength(1);
    } finally {
      expect(await stopWith(child, 'SIGTERM')).toBe(0);
    }
  }, 60_000);

  it('refuses to start without --model where there is no checkpoints/dnn/model.onnx, in one line', () => {
    expectOneLineError(runMnist(['serve'], { cwd: work }), /^mnist: no model at checkpoints\/dnn\/model\.onnx \(the default --model\): make one with `mnist train` then `mnist export`/);
  });
});
