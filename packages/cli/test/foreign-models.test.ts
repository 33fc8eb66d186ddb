// The compiled `mnist` on models PyTorch exported (torch.onnx.export of small MLPs and CNNs trained here
// with fixed seeds): every input layout and output head, with and without normalization (by flag and by
// metadata), scored by `mnist eval --model` on both runtimes to exactly PyTorch's own test accuracy;
// `mnist inspect` shows what was detected; a model that is no digit classifier is refused in one line.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeIdx } from '@mnist/core';
import { GraphBuilder, encodeModel, relu } from '@mnist/export';
import { exportPytorchModels, pythonWithTorch, type PytorchModel, type PytorchModelOptions } from '@mnist/export/testing';
import { ensureMnist } from '@mnist/trainer/internal';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, expectOneLineError, lastJson, mnist, scratchDir, startLongRunning, stopWith } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-foreign-models-');
const present = pythonWithTorch() !== undefined || process.env.MNIST_REQUIRE_SYSTEM_DEPS === '1';
const NORMALIZATION = { mean: 0.1307, std: 0.3081 };
// How our own exports write a normalization into `mnist.preprocessing` (core's METADATA_KEYS).
const NORMALIZED_METADATA = { 'mnist.preprocessing': JSON.stringify({ pixelScale: 1 / 255, ...NORMALIZATION }) };
const KIND = { logits: 'logits', softmax: 'probabilities', log_softmax: 'log-probabilities' } as const;

/** One PyTorch export of the matrix, and how the test tells the CLI about its normalization. */
interface Case {
  name: string;
  options: Omit<PytorchModelOptions, 'trainImages' | 'steps' | 'seed' | 'dataDir' | 'outFile'>;
  normalizedBy?: 'flag' | 'metadata';
}

// Every layout and every head, each normalization source, two opsets and a fixed batch of 1.
const CASES: Case[] = [
  { name: 'mlp-flat-logits', options: { arch: 'mlp', layout: 'flat', head: 'logits', opset: 14 } },
  { name: 'mlp-nchw-softmax-flag', options: { arch: 'mlp', layout: 'nchw', head: 'softmax', opset: 13 }, normalizedBy: 'flag' },
  { name: 'mlp-nhw-logsoftmax-metadata', options: { arch: 'mlp', layout: 'nhw', head: 'log_softmax', opset: 15 }, normalizedBy: 'metadata' },
  { name: 'cnn-nchw-logits-metadata', options: { arch: 'cnn', layout: 'nchw', head: 'logits', opset: 17 }, normalizedBy: 'metadata' },
  { name: 'cnn-nhwc-softmax-batch1', options: { arch: 'cnn', layout: 'nhwc', head: 'softmax', opset: 16, fixedBatch: 1 } },
  { name: 'cnn-nhw-logsoftmax-flag', options: { arch: 'cnn', layout: 'nhw', head: 'log_softmax', opset: 17 }, normalizedBy: 'flag' },
  { name: 'cnn-flat-softmax', options: { arch: 'cnn', layout: 'flat', head: 'softmax', opset: 14, inputName: 'pixels', outputName: 'probs' } },
];

/** The first `n` MNIST test images as JSON rows of pixels in [0, 1], as clients post them. */
async function testImageRows(n: number): Promise<number[][]> {
  const bytes = decodeIdx(readFileSync(join(await ensureMnist(), 't10k-images-idx3-ubyte')), 't10k-images').data as Uint8Array;
  return Array.from({ length: n }, (_, i) => Array.from(bytes.subarray(i * 784, (i + 1) * 784), (b) => b / 255));
}

const normalizeFlag = (c: Case): string[] => (c.normalizedBy === 'flag' ? ['--normalize', `${NORMALIZATION.mean},${NORMALIZATION.std}`] : []);

beforeAll(buildCli, 300_000);

describe.skipIf(!present)('PyTorch exports (python3-torch)', () => {
  let dataDir: string;
  const exported = new Map<string, PytorchModel>();
  beforeAll(async () => {
    // The MNIST the CLI reads by default, so PyTorch trains and scores on the same bytes.
    dataDir = await ensureMnist();
  }, 60_000);

  // Every case in one Python process (importing torch alone takes seconds), made before the first is scored.
  beforeAll(() => {
    const results = exportPytorchModels(
      CASES.map((c) => ({
        ...c.options,
        ...(c.normalizedBy !== undefined && { normalization: NORMALIZATION }),
        ...(c.normalizedBy === 'metadata' && { metadata: NORMALIZED_METADATA }),
        trainImages: 3000,
        steps: 150,
        seed: 7,
        dataDir,
        outFile: join(work, `${c.name}.onnx`),
      })),
    );
    for (const [i, result] of results.entries()) {
      if (!result.ran) throw new Error(result.reason);
      exported.set(CASES[i].name, result);
    }
  }, 300_000);
  const model = (c: Case): PytorchModel => exported.get(c.name)!;

  it.each(CASES)('$name: eval --model on node and web scores exactly PyTorch\'s test accuracy', (c) => {
    const m = model(c);
    expect(m.accuracy).toBeGreaterThan(0.8);
    for (const runtime of ['node', 'web']) {
      const r = lastJson(mnist('eval', '--model', m.file, '--runtime', runtime, ...normalizeFlag(c), '--json'));
      expect({ runtime, accuracy: r.accuracy, n: r.n }).toEqual({ runtime, accuracy: m.accuracy, n: 10000 });
    }
    // The first test images, one by one as PyTorch predicted them.
    const p = lastJson(mnist('predict', '--model', m.file, '--first', '20', ...normalizeFlag(c), '--json'));
    expect(p.predictions).toEqual(Array.from(m.predictions.subarray(0, 20)));
  }, 90_000);

  it.each(CASES)('$name: inspect shows the layout, output kind, classes and preprocessing detected', (c) => {
    const m = model(c);
    const info = lastJson(mnist('inspect', m.file, ...normalizeFlag(c), '--json'));
    const signature = info.classifier as Record<string, Record<string, unknown>>;
    expect(info.classifierError).toBeUndefined();
    expect(signature.contract).toBe('foreign');
    expect(signature.input).toMatchObject({ name: c.options.inputName ?? 'input', layout: c.options.layout });
    if (c.options.fixedBatch) expect(signature.input.fixedBatch).toBe(c.options.fixedBatch);
    expect(signature.output).toMatchObject({ name: c.options.outputName ?? 'output', kind: KIND[c.options.head], classes: 10 });
    expect(signature.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const from = c.normalizedBy === 'flag' ? 'option' : (c.normalizedBy ?? 'default');
    expect(signature.preprocessing).toEqual({ pixelScale: 1 / 255, ...(c.normalizedBy && { normalization: NORMALIZATION }), from });
  }, 60_000);

  it('a normalized model scored without its normalization misses PyTorch\'s accuracy: the flag is what makes it right', () => {
    const m = model(CASES[1]);
    const r = lastJson(mnist('eval', '--model', m.file, '--json'));
    expect(r.accuracy).not.toBe(m.accuracy);
  }, 60_000);

  it('inspect prints the detection; --labels and --output-kind override it', () => {
    const m = model(CASES[3]);
    const human = mnist('inspect', m.file);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('Classifier: a foreign model');
    expect(human.stdout).toMatch(/^ {2}Input: +input \[batch, 1, 28, 28\], layout nchw$/m);
    expect(human.stdout).toMatch(/^ {2}Output: +output, 10 classes of logits \(detected by \w+\)$/m);
    expect(human.stdout).toMatch(/^ {2}Preprocessing: \(pixel \/ 255 - 0\.1307\) \/ 0\.3081 \(from metadata\)$/m);
    const labels = 'zero,one,two,three,four,five,six,seven,eight,nine';
    const told = lastJson(mnist('inspect', m.file, '--labels', labels, '--output-kind', 'logits', '--json')).classifier as Record<string, Record<string, unknown>>;
    expect(told.labels).toEqual(labels.split(','));
    expect(told.labelsFrom).toBe('option');
    expect(told.output).toMatchObject({ kind: 'logits', detectedBy: 'option' });
  }, 60_000);

  it('serve passes the flags to the classifier: /v1/model shows them, /v1/predict answers as PyTorch did', async () => {
    const c = CASES[5];
    const m = model(c);
    const labels = 'zero,one,two,three,four,five,six,seven,eight,nine';
    const { url, child } = await startLongRunning(['serve', '--model', m.file, '--port', '0', ...normalizeFlag(c), '--labels', labels]);
    try {
      const described = (await (await fetch(`${url}/v1/model`)).json()) as { labels: string[]; signature: Record<string, Record<string, unknown>> };
      expect(described.labels).toEqual(labels.split(','));
      expect(described.signature.input).toMatchObject({ layout: 'nhw', shape: ['batch', 28, 28] });
      expect(described.signature.output).toMatchObject({ kind: 'log-probabilities', classes: 10 });
      expect(described.signature.preprocessing).toEqual({ pixelScale: 1 / 255, normalization: NORMALIZATION, from: 'option' });
      const images = await testImageRows(8);
      const response = await fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ images }) });
      expect(((await response.json()) as { classes: number[] }).classes).toEqual(Array.from(m.predictions.subarray(0, 8)));
    } finally {
      expect(await stopWith(child, 'SIGTERM')).toBe(0);
    }
  }, 60_000);

  it('refuses model flags without --model and bad flag values, naming the flag', () => {
    const m = model(CASES[0]);
    expectOneLineError(mnist('eval', '--checkpoint', work, '--normalize', '0.1,0.3'), /--normalize applies to --model FILE\.onnx/);
    expectOneLineError(mnist('eval', '--model', m.file, '--normalize', '0.1'), /--normalize must be MEAN,STD/);
    expectOneLineError(mnist('eval', '--model', m.file, '--normalize', '0.1,0'), /--normalize must be MEAN,STD/);
    expectOneLineError(mnist('predict', '--model', m.file, '--labels', 'a,a'), /--labels must be a comma-separated list/);
    expectOneLineError(mnist('eval', '--model', m.file, '--output-kind', 'scores'), /--output-kind/);
    expectOneLineError(mnist('eval', '--model', m.file, '--output', 'logits'), new RegExp(`${m.file.replace(/[.]/g, '\\.')}.*logits`));
  }, 60_000);
});

describe('a model that is no digit classifier', () => {
  const file = join(work, 'features.onnx');
  beforeAll(() => {
    // An image feature extractor: 3-channel 32x32 in, the same shape out.
    const g = new GraphBuilder({ opset: 17 });
    const x = g.input('image', 'float32', ['N', 3, 32, 32]);
    g.output(relu(g, x, { name: 'features' }), 'float32', ['N', 3, 32, 32]);
    writeFileSync(file, encodeModel(g.build({ irVersion: 8 })));
  });

  it('eval and predict refuse it in one line naming the file, on both runtimes', () => {
    for (const runtime of ['node', 'web']) {
      expectOneLineError(mnist('eval', '--model', file, '--runtime', runtime), new RegExp(`${file.replace(/[.]/g, '\\.')}: .*image`));
      expectOneLineError(mnist('predict', '--model', file, '--runtime', runtime, '--first', '1'), new RegExp(`${file.replace(/[.]/g, '\\.')}: .*image`));
    }
  }, 60_000);

  it('inspect still describes it, says in one line why it would be refused, and exits 0', () => {
    const human = mnist('inspect', file);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^ {2}image: float32 \[N, 3, 32, 32\]$/m);
    const refusal = human.stdout.split('\n').filter((line) => line.startsWith('Classifier:'));
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toMatch(/^Classifier: refused: .*features\.onnx: .*image/);
    const info = lastJson(mnist('inspect', file, '--json'));
    expect(info.classifier).toBeUndefined();
    expect(info.classifierError).toBe(refusal[0].slice('Classifier: refused: '.length));
  }, 60_000);
});
