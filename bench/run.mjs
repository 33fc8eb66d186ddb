// `npm run bench`: every benchmark of the SDK, each next to its peer from the same run (these
// machines are shared and noisy, so ratios matter, not absolute times).
//
// Usage: node bench/run.mjs [--quick] [--rounds N] [--only training,cnn,tfjs,inference,browser,serve] [--no-augment]
//   --quick trains 3 epochs instead of the full default job (30 epochs, batch 50, 55000 images), and the
//   CNN 1 epoch instead of its 12.
//   The cnn section trains `mnist train --model cnn --augment` against bench/pytorch_cnn.py (the same
//   convnet and distortion in PyTorch and torchvision); --no-augment trains both on the plain images.
//   The browser section also times training in Chromium (bench/browser-train.mjs; its full 30-epoch job in the page unless --quick).
//   --rounds N: training runs of ours and of the 1-thread peer, taken in turns (default: one round per
//   core; 1 with --quick). Round r pins the 1-thread peer to core r; ours runs on every core, as
//   `mnist train` does (its lockstep runner splits each step across 2), and once more with --cores 1
//   pinned to core r. The inference section takes as many turns of onnxruntime-node and the peer.
// The Python peer is Debian's python3-torch with libopenblas0-pthread; without it those rows say
// why they were skipped.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : null;
const wants = (section) => !only || only.includes(section);
const epochs = quick ? 3 : 30;
const rounds = argv.includes('--rounds') ? Number(argv[argv.indexOf('--rounds') + 1]) : quick ? 1 : cpus().length;
if (!(Number.isInteger(rounds) && rounds >= 1)) throw new RangeError(`--rounds must be a positive integer, got ${argv[argv.indexOf('--rounds') + 1]}`);
// Debian's interpreter: that is where python3-torch installs, whatever `python3` is on PATH.
const python = process.env.MNIST_PYTHON ?? '/usr/bin/python3';

const { ensureMnist } = await import('../packages/trainer/dist/internal.js');
const dataDir = await ensureMnist();
const work = await mkdtemp(join(tmpdir(), 'mnist-bench-'));

console.log(`mnist-onnx-sdk benchmarks, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load average ${loadavg()[0].toFixed(2)}`);

function runJson(command, args, { env, cwd } = {}) {
  const child = spawnSync(command, args, { cwd: cwd ?? root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (child.status !== 0) {
    const why = (child.stderr || child.error?.message || '').trim().split('\n').pop();
    return { error: `${command} ${args[0]} exited ${child.status}: ${why}` };
  }
  const last = child.stdout.trim().split('\n').pop();
  return JSON.parse(last);
}

// The peer runs without this workplace's OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE pins, which slow a
// current OpenBLAS: the peer gets its best case. Debian's OpenBLAS does not know every newer CPU: on the
// Intel Xeon here it detects "Prescott" (its SSE3 fallback) and runs the layers' matmuls about 4x slower
// than its AVX-512 kernel, so a detected fallback on a CPU with AVX-512 or AVX2 gets that kernel.
// Probed once, by the first section that runs the peer: whether torch imports, and which kernel it runs.
let peerSetup;
function peer() {
  if (peerSetup) return peerSetup;
  const env = Object.fromEntries(Object.entries({ ...process.env }).filter(([k]) => !k.startsWith('OPENBLAS_')));
  const probe = spawnSync(python, ['-c', 'import torch; torch.ones(4, 4) @ torch.ones(4, 4)'], {
    env: { ...env, OPENBLAS_VERBOSE: '2' },
    encoding: 'utf8',
  });
  if (probe.status !== 0) {
    peerSetup = { env, missing: `${python} cannot import torch (Debian: apt-get install -y python3-torch libopenblas0-pthread)` };
    return peerSetup;
  }
  const detected = /Core: (\S+)/.exec(`${probe.stdout}${probe.stderr}`)?.[1];
  let coretype;
  if (detected === 'Prescott' && existsSync('/proc/cpuinfo')) {
    const flags = new Set((/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/));
    coretype = flags.has('avx512f') ? 'SkylakeX' : flags.has('avx2') ? 'Haswell' : undefined;
  }
  if (coretype) env.OPENBLAS_CORETYPE = coretype;
  const note = coretype
    ? `PyTorch's OpenBLAS detected ${detected} (its fallback for a CPU it does not know); the peer runs its ${coretype} kernel instead (OPENBLAS_CORETYPE), its best here`
    : `PyTorch's OpenBLAS kernel: ${detected ?? 'not reported'}`;
  peerSetup = { env, missing: null, note };
  return peerSetup;
}
function runPeer(script, args, cpu) {
  const command = [...onCpu(cpu), python, join(root, 'bench', script), dataDir, ...args];
  const child = spawnSync(command[0], command.slice(1), { cwd: join(root, 'bench'), env: peer().env, encoding: 'utf8' });
  if (child.status !== 0) return { error: child.stderr.trim().split('\n').pop() };
  return JSON.parse(child.stdout.trim().split('\n').pop());
}

// The two cores of these machines are not equally fast (another tenant shares one: PyTorch ran 0.77 s/epoch
// on CPU 0 and 1.05 on CPU 1, ours 0.50 and 0.59 ms/step), and the scheduler picks one per run. A timed
// single-threaded run is pinned, so that single-core runs are compared on the same core.
const taskset = existsSync('/usr/bin/taskset') ? '/usr/bin/taskset' : null;
const onCpu = (cpu) => (cpu === undefined || !taskset ? [] : [taskset, '-c', String(cpu)]);

const table = (rows, columns) => {
  const widths = columns.map(([title, key]) => Math.max(title.length, ...rows.map((r) => String(r[key] ?? '').length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  console.log(line(columns.map(([title]) => title)));
  for (const row of rows) console.log(line(columns.map(([, key]) => row[key] ?? '')));
};
const fixed = (n, digits) => (typeof n === 'number' ? n.toFixed(digits) : '');
// The fastest of a row's runs by job seconds, its note listing them all; the first error when none ran.
const fastest = (runs) => {
  const good = runs.filter((r) => !r.error);
  if (!good.length) return runs[0];
  const best = good.reduce((a, b) => (a.seconds < b.seconds ? a : b));
  const where = (r) => (r.cpu === undefined || !taskset ? '' : ` on core ${r.cpu}`);
  return good.length > 1 ? { ...best, note: `fastest of ${good.map((r) => `${r.seconds.toFixed(1)} s${where(r)}`).join(', ')}` } : best;
};

let trainedModel;

if (wants('training')) {
  console.log(`\n== Training: the full default job (${epochs} epochs, batch 50, 55000 images), ours vs PyTorch ==`);
  if (!peer().missing) console.log(peer().note);
  // Ours and the 1-thread peer take turns, `rounds` times each, and each keeps its fastest run. Ours runs as
  // `mnist train` does, on every core; ours with --cores 1, pinned to the peer's core, shows what the
  // second core adds. The 2-thread peer, several times slower here, runs once.
  const { missing } = peer();
  const oursRuns = [];
  const oursOneCore = [];
  const peerRuns = { 1: [], 2: [] };
  const trainJob = (cpu, extra = []) => {
    const job = [...onCpu(cpu), process.execPath, join(root, 'bench/train-job.mjs'), '--epochs', String(epochs), ...extra];
    return { ...runJson(job[0], job.slice(1)), cpu };
  };
  for (let round = 0; round < rounds; round++) {
    const cpu = round % cpus().length;
    oursRuns.push(trainJob(undefined, round === 0 ? ['--keep'] : []));
    if (!missing) peerRuns[1].push({ ...runPeer('pytorch_peer.py', ['--threads', '1', '--epochs', String(epochs)], cpu), cpu });
    oursOneCore.push(trainJob(cpu, ['--cores', '1']));
  }
  if (!missing) peerRuns[2].push(runPeer('pytorch_peer.py', ['--threads', '2', '--epochs', String(epochs)]));
  const ours = fastest(oursRuns);
  const oneCore = fastest(oursOneCore);
  const rows = [];
  if (ours.error) rows.push({ name: 'mnist train (auto engine)', note: ours.error });
  else {
    rows.push({ name: `mnist train (${ours.engine} on ${ours.backend}, every core)`, ...ours });
    rows.push(oneCore.error ? { name: 'mnist train, one core', note: oneCore.error } : { name: `mnist train (${oneCore.engine}, one core)`, ...oneCore });
    const kept = oursRuns[0].keep;
    if (kept) {
      trainedModel = join(work, 'model.onnx');
      execFileSync(process.execPath, [join(root, 'packages/cli/bin/mnist.js'), 'export', '--onnx', '--checkpoint', kept, '--out', trainedModel], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
  }
  const peers = [];
  for (const threads of [1, 2]) {
    if (missing) {
      rows.push({ name: `PyTorch, ${threads} thread(s)`, note: `skipped: ${missing}` });
      continue;
    }
    const peer = fastest(peerRuns[threads]);
    if (peer.error) rows.push({ name: `PyTorch, ${threads} thread(s)`, note: peer.error });
    else {
      peers.push(peer);
      rows.push({ name: `PyTorch ${peer.torch}, ${threads} thread(s)`, ...peer });
    }
  }
  table(
    rows.map((r) => ({
      ...r,
      seconds: fixed(r.seconds, 1),
      trainingSeconds: fixed(r.trainingSeconds, 1),
      secondsPerEpoch: fixed(r.secondsPerEpoch, 3),
      stepsPerSecond: fixed(r.stepsPerSecond, 0),
      testAccuracy: fixed(r.testAccuracy, 4),
      peakRssMb: fixed(r.peakRssMb, 0),
    })),
    [['run', 'name'], ['job s', 'seconds'], ['steps s', 'trainingSeconds'], ['s/epoch', 'secondsPerEpoch'], ['steps/s', 'stepsPerSecond'], ['test acc', 'testAccuracy'], ['peak MB', 'peakRssMb'], ['note', 'note']],
  );
  if (!ours.error && peers.length) {
    const best = peers.reduce((a, b) => (a.seconds < b.seconds ? a : b));
    const bestSteps = peers.reduce((a, b) => (a.trainingSeconds < b.trainingSeconds ? a : b));
    console.log(
      `ratio: ours / PyTorch's best (${best.threads} thread(s)) = ${(ours.seconds / best.seconds).toFixed(3)} for the job (target <= 0.5), ` +
        `${(ours.trainingSeconds / bestSteps.trainingSeconds).toFixed(3)} for the optimizer steps alone (${bestSteps.threads} thread(s)); ` +
        `accuracy ours - PyTorch = ${(ours.testAccuracy - best.testAccuracy).toFixed(4)} (target >= -0.002); ` +
        `our peak memory ${ours.peakRssMb.toFixed(0)} MB (target <= 400)` +
        (oneCore.error ? '' : `; ours on one core / PyTorch's best = ${(oneCore.seconds / best.seconds).toFixed(3)} for the job`),
    );
  }
  console.log(
    '(job s: the same span for both, from reading the data through every epoch with its validation score (and our ' +
      'checkpoint) to the saved model and its test score; importing onnxruntime-node is inside ours, importing torch is ' +
      'outside PyTorch\'s; steps s: the training epochs alone; s/epoch is job s / epochs)',
  );
}

if (wants('cnn')) {
  // `mnist train --model cnn` (its recipe's epochs, augmented; 1 epoch with --quick) against the same convnet, initializer,
  // optimizer, batch, split and distortion in PyTorch (bench/pytorch_cnn.py). --no-augment compares them
  // on the plain images.
  const cnnEpochs = quick ? 1 : (await import('../packages/trainer/dist/index.js')).MODEL_PRESETS.cnn.epochs;
  const augment = !argv.includes('--no-augment');
  console.log(`\n== Training the CNN (mnist train --model cnn${augment ? ' --augment' : ''}): ${cnnEpochs} epoch(s), batch 50, 55000 images, ours vs PyTorch ==`);
  const { DEFAULT_AUGMENT } = await import('../packages/core/dist/index.js');
  const noAugment = augment && !DEFAULT_AUGMENT ? '--augment needs DEFAULT_AUGMENT exported by @mnist/core (packages/core/src/augment.ts)' : null;
  let { missing } = peer();
  if (!missing && augment && spawnSync(python, ['-c', 'import torchvision.transforms'], { env: peer().env }).status !== 0) {
    missing = `${python} cannot import torchvision, which draws the peer's augmentation (Debian: apt-get install -y python3-torchvision)`;
  }
  if (!peer().missing) console.log(peer().note);
  // The peer is given core's own numbers, so both draw from the same distributions.
  const peerAugment = augment && DEFAULT_AUGMENT
    ? ['--augment', '--max-shift', String(DEFAULT_AUGMENT.maxShift), '--max-rotation', String(DEFAULT_AUGMENT.maxRotation),
        '--scale', ...DEFAULT_AUGMENT.scale.map(String), '--elastic-alpha', String(DEFAULT_AUGMENT.elasticAlpha), '--elastic-sigma', String(DEFAULT_AUGMENT.elasticSigma)]
    : [];
  if (augment && DEFAULT_AUGMENT) console.log(`augmentation: ${JSON.stringify(DEFAULT_AUGMENT)} (core's DEFAULT_AUGMENT; PyTorch draws it with torchvision's RandomAffine and ElasticTransform)`);
  // Turns as in the training section: ours unpinned with the threads `mnist train` picks, the 1-thread
  // peer pinned to core r, the 2-thread peer unpinned; each row keeps its fastest run.
  const runs = { ours: [], 1: [], 2: [] };
  for (let round = 0; round < rounds; round++) {
    const cpu = round % cpus().length;
    if (noAugment) runs.ours.push({ error: noAugment });
    else runs.ours.push(runJson(process.execPath, [join(root, 'bench/train-job.mjs'), '--model', 'cnn', '--epochs', String(cnnEpochs), ...(augment ? ['--augment'] : [])]));
    if (missing || noAugment) continue;
    runs[1].push({ ...runPeer('pytorch_cnn.py', ['--threads', '1', '--epochs', String(cnnEpochs), ...peerAugment], cpu), cpu });
    runs[2].push(runPeer('pytorch_cnn.py', ['--threads', '2', '--epochs', String(cnnEpochs), ...peerAugment]));
  }
  const ours = fastest(runs.ours);
  const rows = [ours.error ? { name: 'mnist train --model cnn', note: ours.error } : { name: `mnist train --model cnn (${ours.engine} on ${ours.backend})`, ...ours }];
  const peers = [];
  for (const threads of [1, 2]) {
    const best = missing || noAugment ? { error: `skipped: ${missing ?? noAugment}` } : fastest(runs[threads]);
    if (best.error) rows.push({ name: `PyTorch, ${threads} thread(s)`, note: best.error });
    else {
      peers.push(best);
      rows.push({ name: `PyTorch ${best.torch}, ${threads} thread(s)`, ...best });
    }
  }
  table(
    rows.map((r) => ({
      ...r,
      seconds: fixed(r.seconds, 1),
      trainingSeconds: fixed(r.trainingSeconds, 1),
      secondsPerEpoch: fixed(r.secondsPerEpoch, 2),
      testAccuracy: fixed(r.testAccuracy, 4),
      peakRssMb: fixed(r.peakRssMb, 0),
    })),
    [['run', 'name'], ['job s', 'seconds'], ['steps s', 'trainingSeconds'], ['s/epoch', 'secondsPerEpoch'], ['test acc', 'testAccuracy'], ['peak MB', 'peakRssMb'], ['note', 'note']],
  );
  if (!ours.error && peers.length) {
    const best = peers.reduce((a, b) => (a.seconds < b.seconds ? a : b));
    console.log(
      `ratio: ours / PyTorch's best (${best.threads} thread(s)) = ${(ours.seconds / best.seconds).toFixed(3)} for the job (target <= 0.5); ` +
        `accuracy ours - PyTorch = ${(ours.testAccuracy - best.testAccuracy).toFixed(4)} (target >= -0.002)`,
    );
  }
  console.log(
    '(job s: the span of the training section\'s, from reading the data to the saved model and its test score, ' +
      'the distortion of every epoch\'s images included; steps s: our engine\'s epochs, PyTorch\'s optimizer steps alone)',
  );
}

if (wants('tfjs')) {
  console.log('\n== Training: the tfjs engine per backend ==');
  spawnSync(process.execPath, [join(root, 'bench/tfjs-train.mjs'), '--steps', quick ? '50' : '200', ...(quick ? ['--no-epoch'] : [])], { stdio: 'inherit', cwd: root });
}

if (wants('inference')) {
  console.log('\n== Inference: 10000-image batch and single-image latency, ours vs PyTorch ==');
  if (!peer().missing) console.log(peer().note);
  const bench = join(root, 'packages/infer-node/bench/inference-bench.mjs');
  const { missing } = peer();
  // Both classify the 10000 MNIST test images, given as [0, 1] floats made before the clock starts.
  const imagesArgs = ['--images', join(dataDir, 't10k-images-idx3-ubyte')];
  const ours = (runtime, threads, cpu) => {
    const command = [...onCpu(cpu), process.execPath, bench, runtime, String(threads), ...(trainedModel ? [trainedModel] : []), ...imagesArgs];
    const r = runJson(command[0], command.slice(1));
    return { batchMs: r.batch10000?.medianMs, imagesPerSecond: r.batch10000?.imagesPerSecond, singleP50Ms: r.singleImage?.p50Ms, singleP99Ms: r.singleImage?.p99Ms, error: r.error };
  };
  // onnxruntime-node and the peer take turns at each thread count, `rounds` times, and each keeps its
  // fastest run (by batch median), so a burst of load from another tenant hits both alike. One-thread
  // turns are pinned, both to the same core in a round, as in the training section: unpinned, the
  // scheduler moves a run between cores and it loses what its core's L2 held (ours varied 41-61 ms).
  const keep = (best, r) => (r.error ? best ?? r : !best || best.error || r.batchMs < best.batchMs ? r : best);
  const node = {};
  const torch = {};
  for (let round = 0; round < rounds; round++) {
    for (const threads of [1, 2]) {
      const cpu = threads === 1 ? round % cpus().length : undefined;
      node[threads] = keep(node[threads], ours('node', threads, cpu));
      if (!missing) torch[threads] = keep(torch[threads], runPeer('pytorch_infer.py', ['--threads', String(threads)], cpu));
    }
  }
  const rows = [
    ...[1, 2].map((threads) => ({ name: `onnxruntime-node, ${threads} thread(s)`, ...node[threads] })),
    ...[1, 2].map((threads) => ({ name: `onnxruntime-web, ${threads} thread(s)`, ...ours('web', threads) })),
    ...[1, 2].map((threads) => ({ name: `PyTorch, ${threads} thread(s)`, ...(missing ? { error: `skipped: ${missing}` } : torch[threads]) })),
  ];
  table(
    rows.map((r) => ({
      ...r,
      batchMs: fixed(r.batchMs, 1),
      imagesPerSecond: fixed(r.imagesPerSecond, 0),
      singleP50Ms: fixed(r.singleP50Ms, 4),
      singleP99Ms: fixed(r.singleP99Ms, 4),
      note: r.error,
    })),
    [['runtime', 'name'], ['10000 images ms', 'batchMs'], ['images/s', 'imagesPerSecond'], ['1 image p50 ms', 'singleP50Ms'], ['p99 ms', 'singleP99Ms'], ['note', 'note']],
  );
  for (const threads of [1, 2]) {
    const [a, b] = [node[threads], torch[threads]];
    if (a && b && !a.error && !b.error) {
      console.log(`ratio onnxruntime-node / PyTorch, ${threads} thread(s): batch ${(a.batchMs / b.batchMs).toFixed(3)}, single-image p50 ${(a.singleP50Ms / b.singleP50Ms).toFixed(3)} (fastest of ${rounds} turns each)`);
    }
  }
  console.log('targets: onnxruntime-node batch at least as fast as PyTorch\'s (ratio <= 1), single-image p50 <= 0.15 ms');
}

if (wants('browser')) {
  console.log('\n== Inference in Chromium (@mnist/infer-web), threads on and off ==');
  spawnSync(process.execPath, [join(root, 'bench/browser-infer.mjs'), ...(trainedModel ? [trainedModel] : [])], { stdio: 'inherit', cwd: root });
  console.log('\n== Training in Chromium: ours (onnxruntime-web) vs TensorFlow.js in the same page ==');
  spawnSync(process.execPath, [join(root, 'bench/browser-train.mjs'), ...(quick ? [] : ['--full-job'])], { stdio: 'inherit', cwd: root });
}

if (wants('serve') && existsSync(join(root, 'bench/serve-load.mjs'))) {
  console.log('\n== mnist serve under load (loopback) ==');
  spawnSync(process.execPath, [join(root, 'bench/serve-load.mjs'), ...(trainedModel ? ['--model', trainedModel] : [])], { stdio: 'inherit', cwd: root });
}
