// Speed of the onnx training engine on the full MNIST job: ms per step, s per epoch, peak memory, per config.
//
// Usage: node bench/onnx-train.mjs [--epochs 3] [--configs node:1:100,node:2:100,web:1:100] [--cores N] [--data DIR] [--json]
//   a config is runtime:threads:stepsPerRun[:optimizer[:dropoutRate[:activation]]] (default sgd, 0, relu;
//   e.g. node:1:100:adam:0.5:elu). Dropout masks are drawn before the timed epoch. Each config runs in its own process so that its peak RSS is
//   its own. Needs the packages built (`npx tsc -b packages/trainer`). Timing covers runEpoch only, as the
//   PyTorch peer times its training loop; accuracy is measured after the last epoch. --cores is the
//   engine's (default: its own choice, the lockstep runner on 2 cores where the config qualifies); each
//   line ends with the engine's account of what it runs on.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BATCH_SIZE = 50;
const VALIDATION_SIZE = 5000;
const SEED = 42;
const FULL_JOB_EPOCHS = 30;
/** Learning rates of the chapter's runs per optimizer (adam's and rmsprop's are TF's usual ones). */
const LEARNING_RATES = { sgd: 0.01, momentum: 0.01, nesterov: 0.01, adagrad: 0.05, rmsprop: 0.001, adam: 0.001 };

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};

if (flag('child')) {
  const result = await runConfig(JSON.parse(flag('child')));
  process.send(result);
} else {
  const epochs = Number(flag('epochs', '3'));
  const configs = flag('configs', 'node:1:100,node:2:100,node:1:25,node:1:400,web:1:100')
    .split(',')
    .map((text) => {
      const [runtime, threads, stepsPerRun, optimizer = 'sgd', dropoutRate = '0', activation = 'relu'] = text.split(':');
      const cores = flag('cores') === undefined ? undefined : Number(flag('cores'));
      return { runtime, threads: Number(threads), stepsPerRun: Number(stepsPerRun), optimizer, dropoutRate: Number(dropoutRate), activation, cores, epochs, data: flag('data') };
    });
  const results = [];
  for (const config of configs) {
    const result = await inChild(config);
    results.push(result);
    console.error(
      `onnx ${config.runtime.padEnd(4)} threads ${config.threads} K=${String(config.stepsPerRun).padEnd(3)} ` +
        `${config.optimizer.padEnd(8)} dropout ${config.dropoutRate} ${config.activation.padEnd(10)}  ` +
        `${result.msPerStep.toFixed(3)} ms/step (best epoch ${result.bestMsPerStep.toFixed(3)})  ` +
        `cpu ${result.cpuMsPerStep.toFixed(3)} ms/step  ${result.secondsPerEpoch.toFixed(3)} s/epoch  ${Math.round(result.stepsPerSecond)} steps/s  ` +
        `30 epochs ~${result.projectedFullJobSeconds.toFixed(1)} s  val acc ${result.validationAccuracy.toFixed(4)}  ` +
        `peak RSS ${result.peakRssMb} MB  (${result.selection})`,
    );
  }
  if (argv.includes('--json')) console.log(JSON.stringify({ engine: 'onnx', results }));
}

function inChild(config) {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result;
    child.on('message', (m) => (result = m));
    child.on('error', reject);
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`config ${JSON.stringify(config)} exited with ${code}`))));
  });
}

async function runConfig({ runtime, threads, stepsPerRun, optimizer = 'sgd', dropoutRate = 0, activation = 'relu', cores, epochs, data }) {
  const { DEFAULT_MODEL_SPEC, MNIST_PREPROCESSING, Rng, deriveSeed, inTopK, shuffleBatch } = await import('@mnist/core');
  const { readDataset } = await import('../packages/trainer/dist/data/index.js');
  const { initialWeights } = await import('../packages/trainer/dist/initializers.js');
  // The engine module alone knows onnxruntime-web only: the Node entry registers onnxruntime-node and the lockstep runner.
  await import('../packages/trainer/dist/platform/register-node.js');
  const { createOnnxEngine } = await import('../packages/trainer/dist/onnx/index.js');
  const { dropoutMasks } = await import('../packages/trainer/dist/dropout-masks.js');
  const spec = { ...DEFAULT_MODEL_SPEC, activation };
  const { train, test } = await readDataset(data);
  const inputSize = DEFAULT_MODEL_SPEC.inputSize;
  const trainImages = train.images.subarray(VALIDATION_SIZE * inputSize);
  const trainLabels = train.labels.subarray(VALIDATION_SIZE);
  const count = trainLabels.length;
  const scale = MNIST_PREPROCESSING.pixelScale;

  const engine = await createOnnxEngine({
    spec,
    optimizer: { name: optimizer, learningRate: LEARNING_RATES[optimizer] },
    dropoutRate,
    backend: runtime,
    threads,
    stepsPerRun,
    cores,
  });
  await engine.loadWeights(initialWeights(spec, SEED));
  const seconds = [];
  // CPU time (all threads) beside wall time: on a shared machine it shows the work apart from the waiting.
  const cpuSeconds = [];
  let steps = 0;
  let meanLoss = NaN;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const batches = shuffleBatch(count, BATCH_SIZE, new Rng(deriveSeed(SEED, 1, epoch)));
    const masks =
      dropoutRate > 0 ? dropoutMasks(batches.map((b) => b.length), spec.hiddenUnits, dropoutRate, new Rng(deriveSeed(SEED, epoch, 1))) : undefined;
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const stats = await engine.runEpoch({ images: trainImages, labels: trainLabels, batches, pixelScale: scale, dropoutMasks: masks });
    seconds.push((performance.now() - start) / 1000);
    const cpu = process.cpuUsage(cpuStart);
    cpuSeconds.push((cpu.user + cpu.system) / 1e6);
    steps = stats.steps;
    meanLoss = stats.meanLoss;
  }
  const accuracyOf = async (images, labels) => {
    const logits = await engine.predictLogits(images, labels.length, scale);
    return inTopK(logits, labels, DEFAULT_MODEL_SPEC.outputSize).reduce((a, b) => a + b, 0) / labels.length;
  };
  const validationAccuracy = await accuracyOf(train.images.subarray(0, VALIDATION_SIZE * inputSize), train.labels.subarray(0, VALIDATION_SIZE));
  const testAccuracy = await accuracyOf(test.images, test.labels);
  engine.dispose();
  // The first epoch includes session creation and warm-up; the steady state is what 30 epochs cost.
  const steady = seconds.length > 1 ? seconds.slice(1) : seconds;
  const secondsPerEpoch = steady.reduce((a, b) => a + b, 0) / steady.length;
  return {
    runtime,
    threads,
    stepsPerRun,
    optimizer,
    dropoutRate,
    activation,
    selection: engine.selection,
    epochs,
    epochSeconds: seconds.map((s) => +s.toFixed(3)),
    secondsPerEpoch: +secondsPerEpoch.toFixed(4),
    msPerStep: (secondsPerEpoch * 1000) / steps,
    bestMsPerStep: (Math.min(...steady) * 1000) / steps,
    cpuMsPerStep: (cpuSeconds.slice(seconds.length > 1 ? 1 : 0).reduce((a, b) => a + b, 0) * 1000) / (steady.length * steps),
    stepsPerSecond: steps / secondsPerEpoch,
    projectedFullJobSeconds: seconds[0] + secondsPerEpoch * (FULL_JOB_EPOCHS - 1),
    meanLoss,
    validationAccuracy,
    testAccuracy,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}
