// `mnist import` end to end: a foreign MLP becomes a checkpoint that `mnist eval --checkpoint` scores
// exactly as `mnist eval --model` scores the original, and `mnist train --init-from` fine-tunes it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportPytorchModel, foreignOnnxModel, pythonWithTorch } from '@mnist/export/testing';
import { ensureMnist } from '@mnist/trainer/internal';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, expectOneLineError, lastJson, mnist, scratchDir } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-import-');
const NORMALIZED = { 'mnist.preprocessing': JSON.stringify({ pixelScale: 1 / 255, mean: 0.1307, std: 0.3081 }) };
const accuracy = (...args: string[]) => lastJson(mnist('eval', ...args, '--json')).accuracy as number;

beforeAll(buildCli, 300_000);

describe('mnist import', () => {
  it('a PyTorch-shaped MLP (NCHW, Softmax head, normalized per its metadata): eval --checkpoint equals eval --model', () => {
    const model = join(work, 'foreign.onnx');
    writeFileSync(model, foreignOnnxModel({ layout: 'nchw', head: 'softmax', hiddenUnits: [32, 16], metadata: NORMALIZED }).bytes);
    const ckpt = join(work, 'foreign');
    const imported = lastJson(mnist('import', model, '--out', ckpt, '--json'));
    expect(imported).toMatchObject({ spec: { hiddenUnits: [32, 16], activation: 'relu' }, output: { head: 'probabilities' }, preprocessing: { mean: 0.1307, std: 0.3081, from: 'metadata' } });
    expect(accuracy('--checkpoint', ckpt)).toBe(accuracy('--model', model));
    expectOneLineError(mnist('import', model, '--out', ckpt), /foreign already holds a checkpoint; pass --overwrite/);
    expectOneLineError(mnist('train', '--resume', '--out', ckpt), /cannot resume .*foreign: it was imported from foreign\.onnx by mnist import, not trained here; fine-tune it with --init-from/);
  });

  it('refuses a model that is not an MLP in one line naming the op and node', () => {
    const model = join(work, 'hidden-head.onnx');
    writeFileSync(model, foreignOnnxModel({ head: 'softmax', hideHead: true }).bytes);
    expectOneLineError(mnist('import', model, '--out', join(work, 'refused')), /^mnist: .*hidden-head\.onnx: Mul node .*\(node \d+ of \d+.*\) follows the final Softmax; expected the graph's output there$/);
  });

  it('fine-tuning an undertrained import with train --init-from improves its test accuracy', () => {
    // Our own 20-step run, exported: an undertrained MLP whose weights any tool could have written.
    const seed = join(work, 'seed');
    lastJson(mnist('train', '--steps', '20', '--hidden', '64', '--train-limit', '2000', '--out', seed, '--json'));
    lastJson(mnist('export', '--onnx', '--checkpoint', seed, '--json'));
    const ckpt = join(work, 'undertrained');
    lastJson(mnist('import', join(seed, 'model.onnx'), '--out', ckpt, '--json'));
    const before = accuracy('--checkpoint', ckpt);
    expect(before).toBe(accuracy('--model', join(seed, 'model.onnx')));
    expectOneLineError(mnist('train', '--init-from', ckpt, '--hidden', '300,100', '--out', join(work, 'x')), /conflicts with --hidden \[300,100\] \(it has \[64\]\)/);
    const tuned = lastJson(mnist('train', '--init-from', ckpt, '--epochs', '1', '--train-limit', '5000', '--learning-rate', '0.05', '--out', join(work, 'tuned'), '--json'));
    const after = accuracy('--checkpoint', join(work, 'tuned'));
    expect(after).toBe(tuned.testAccuracy);
    console.error(`fine-tuning: test accuracy ${before} -> ${after}`);
    expect(after).toBeGreaterThan(before + 0.05);
  });
});

describe.skipIf(pythonWithTorch() === undefined && process.env.MNIST_REQUIRE_SYSTEM_DEPS !== '1')('mnist import of a real PyTorch export (python3-torch)', () => {
  it('an nn.Linear MLP trained on normalized MNIST (0.1307/0.3081): the checkpoint scores what PyTorch and eval --model score, and fine-tunes', async () => {
    const dataDir = await ensureMnist();
    const file = join(work, 'torch-mlp.onnx');
    // A handful of Adam steps: undertrained on purpose, so fine-tuning has something to do.
    const m = exportPytorchModel({ arch: 'mlp', layout: 'nchw', head: 'logits', normalization: { mean: 0.1307, std: 0.3081 }, trainImages: 2000, steps: 15, seed: 3, dataDir, outFile: file });
    if (!m.ran) throw new Error(m.reason);
    const ckpt = join(work, 'torch');
    lastJson(mnist('import', file, '--out', ckpt, '--normalize', '0.1307,0.3081', '--json'));
    const imported = accuracy('--checkpoint', ckpt);
    expect(imported).toBe(m.accuracy);
    expect(accuracy('--model', file, '--normalize', '0.1307,0.3081')).toBe(m.accuracy);
    const tuned = lastJson(mnist('train', '--init-from', ckpt, '--epochs', '1', '--train-limit', '5000', '--out', join(work, 'torch-tuned'), '--json'));
    console.error(`PyTorch import: test accuracy ${m.accuracy} (PyTorch), ${imported} (checkpoint) -> ${tuned.testAccuracy as number} after fine-tuning`);
    expect(tuned.testAccuracy as number).toBeGreaterThan(imported + 0.02);
  }, 240_000);

  it("the tutorials' x.view(x.size(0), -1) (a Reshape whose shape the graph computes): the checkpoint and eval --model score what PyTorch scores", async () => {
    const dataDir = await ensureMnist();
    const file = join(work, 'torch-view.onnx');
    const m = exportPytorchModel({ arch: 'mlp', layout: 'nchw', head: 'log_softmax', flatten: 'view-size', trainImages: 2000, steps: 60, seed: 5, dataDir, outFile: file });
    if (!m.ran) throw new Error(m.reason);
    const imported = lastJson(mnist('import', file, '--out', join(work, 'torch-view'), '--json'));
    expect(imported).toMatchObject({ spec: { hiddenUnits: [64, 32] }, ops: ['Reshape', 'Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm', 'LogSoftmax'] });
    expect(accuracy('--checkpoint', join(work, 'torch-view'))).toBe(m.accuracy);
    expect(accuracy('--model', file)).toBe(m.accuracy);
    console.error(`PyTorch x.view(x.size(0), -1) import: test accuracy ${m.accuracy} (PyTorch, the checkpoint and eval --model)`);
  }, 240_000);
});
