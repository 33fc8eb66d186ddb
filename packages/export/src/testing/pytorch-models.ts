// Test support: real PyTorch exports (torch.onnx.export of a small MLP or CNN trained with a fixed seed on
// MNIST) with PyTorch's own test-set predictions, or a clear skip when python3-torch is missing (a
// failure under MNIST_REQUIRE_SYSTEM_DEPS=1, as the onnx checker does).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The batch layouts a foreign classifier may take: [N,784], [N,1,28,28], [N,28,28,1], [N,28,28]. */
export type PytorchLayout = 'flat' | 'nchw' | 'nhwc' | 'nhw';

/** What to train and how to export it. */
export interface PytorchModelOptions {
  /** `mlp`: Linear 784-64-32-10 with ReLU (Flatten first unless flat); `cnn`: Conv 5x5x8, ReLU, MaxPool, Linear. */
  arch: 'mlp' | 'cnn';
  layout: PytorchLayout;
  /** What the graph outputs: raw logits, softmax probabilities or log_softmax. */
  head: 'logits' | 'softmax' | 'log_softmax';
  /** Trained and scored on (bytes/255 - mean) / std, as torchvision's Normalize((0.1307,), (0.3081,)). */
  normalization?: { mean: number; std: number };
  /**
   * How the MLP flattens its input: `module` (default), an nn.Flatten unless the layout is flat;
   * `view-size`, the tutorials' `x.view(x.size(0), -1)` in its forward, which a dynamic batch exports as a
   * Reshape whose shape is computed (Shape -> Gather -> Unsqueeze -> Concat).
   */
  flatten?: 'module' | 'view-size';
  /** Export with this fixed batch size instead of a dynamic batch axis. */
  fixedBatch?: number;
  /** How many of the first training images to train on. */
  trainImages: number;
  /** Adam steps on batches of 64 drawn with `seed`. */
  steps: number;
  seed: number;
  /** A folder with MNIST's four IDX files (raw or .gz). */
  dataDir: string;
  /** Where the .onnx file is written. */
  outFile: string;
  /** Graph input and output names; PyTorch users' usual `input` and `output` by default. */
  inputName?: string;
  outputName?: string;
  /** ONNX opset, 13 to 17 (what torch 1.13 exports); default 14, torch 1.13's own default. */
  opset?: number;
  /** metadata_props added to the exported file with the onnx package (e.g. `mnist.preprocessing`). */
  metadata?: Record<string, string>;
}

/** An exported model and what PyTorch itself predicted for the 10000 test images. */
export interface PytorchModel {
  file: string;
  /** PyTorch's accuracy on the 10000 test images (correct / 10000). */
  accuracy: number;
  correct: number;
  /** PyTorch's predicted class per test image, in file order. */
  predictions: Uint8Array;
  torchVersion: string;
}

/** The export, or why it could not run. */
export type PytorchModelResult = ({ ran: true } & PytorchModel) | { ran: false; reason: string };

let probed: string | null | undefined;

/** A Python interpreter that can `import torch, onnx`: $MNIST_PYTHON, `python3` on PATH, or Debian's own. */
export function pythonWithTorch(): string | undefined {
  if (probed === undefined) {
    // A pyenv or venv python3 may shadow the Debian interpreter that python3-torch installs into.
    const candidates = [process.env.MNIST_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
    probed = candidates.find((python) => spawnSync(python, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0) ?? null;
  }
  return probed ?? undefined;
}

/** The training script: beside this module in the sources, and under src/testing when run from dist. */
function scriptPath(): string {
  const beside = fileURLToPath(new URL('./pytorch-models.py', import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL('../../src/testing/pytorch-models.py', import.meta.url));
}

/**
 * Trains a small classifier in PyTorch with a fixed seed on the first `trainImages` MNIST training images,
 * exports it with `torch.onnx.export`, and returns the file with PyTorch's own predictions and accuracy on
 * the 10000 test images (bytes/255, normalized as trained). A few seconds per model. Throws when
 * python3-torch is missing and MNIST_REQUIRE_SYSTEM_DEPS=1 (CI), or when the script fails.
 * @example
 * const m = exportPytorchModel({ arch: 'cnn', layout: 'nchw', head: 'logits', trainImages: 5000, steps: 300,
 *   seed: 1, dataDir: 'data/mnist', outFile: join(dir, 'cnn.onnx') });
 * if (m.ran) expect(ourAccuracy).toBe(m.accuracy);
 */
export function exportPytorchModel(options: PytorchModelOptions): PytorchModelResult {
  return exportPytorchModels([options])[0];
}

/**
 * {@link exportPytorchModel} for several models in one Python process (importing torch alone takes
 * seconds); the results in the order of `list`.
 * @example
 * const [mlp, cnn] = exportPytorchModels([{ arch: 'mlp', ...common, outFile: a }, { arch: 'cnn', ...common, outFile: b }]);
 */
export function exportPytorchModels(list: readonly PytorchModelOptions[]): PytorchModelResult[] {
  const requests = list.map((options) => {
    const opset = options.opset ?? 14;
    if (!Number.isInteger(opset) || opset < 13 || opset > 17) throw new RangeError(`opset must be an integer from 13 to 17, got ${opset}`);
    for (const key of ['trainImages', 'steps', 'seed'] as const) {
      if (!Number.isInteger(options[key]) || options[key] < 0) throw new RangeError(`${key} must be a non-negative integer, got ${options[key]}`);
    }
    if (options.fixedBatch !== undefined && !(Number.isInteger(options.fixedBatch) && options.fixedBatch > 0)) {
      throw new RangeError(`fixedBatch must be a positive integer, got ${options.fixedBatch}`);
    }
    if (options.flatten === 'view-size' && options.arch !== 'mlp') throw new RangeError(`flatten 'view-size' is for the mlp arch, got ${options.arch}`);
    return { ...options, opset };
  });
  const python = pythonWithTorch();
  if (!python) {
    const reason = 'python3 with torch and onnx is not installed (Debian: apt-get install -y python3-torch python3-onnx)';
    if (process.env.MNIST_REQUIRE_SYSTEM_DEPS === '1') throw new Error(`${reason}; MNIST_REQUIRE_SYSTEM_DEPS=1 requires it`);
    return list.map(() => ({ ran: false, reason }));
  }
  const result = spawnSync(python, [scriptPath(), JSON.stringify(requests)], {
    encoding: 'utf8',
    maxBuffer: list.length << 24,
    // One thread: the same numbers on every machine, and no fight with the other test workers for cores.
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  // The script's own lines (torch may print warnings on stdout too), one per model done.
  const answers = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{"model": '))
    .map((line) => JSON.parse(line) as { model: number; accuracy: number; correct: number; predictions: string; torch: string });
  if (result.status !== 0) {
    const failed = list[answers.length] ?? list[list.length - 1];
    const lines = `${result.stderr ?? ''}${result.error?.message ?? ''}`.trim().split('\n');
    throw new Error(`torch export of ${failed.arch}/${failed.layout}/${failed.head} failed: ${lines[lines.length - 1]}`);
  }
  return answers.map((answer) => {
    const predictions = Uint8Array.from(answer.predictions, (c) => c.charCodeAt(0) - 48);
    return { ran: true, file: list[answer.model].outFile, accuracy: answer.accuracy, correct: answer.correct, predictions, torchVersion: answer.torch };
  });
}
