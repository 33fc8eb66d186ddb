// End-to-end tests of the issue-6 commands through the compiled `mnist`: train --estimator (its
// checkpoint exports and serves unchanged), the new training flags, tune's table, and the long-running
// serve and demo commands started and stopped by signal.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cliDir = dirname(dirname(fileURLToPath(import.meta.url)));
const repoRoot = dirname(dirname(cliDir));
const bin = join(cliDir, 'bin', 'mnist.js');
const work = mkdtempSync(join(tmpdir(), 'mnist-issue6-'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function mnist(...args: string[]): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lastJson(r: Run): Record<string, unknown> {
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

function expectOneLineError(r: Run, message: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

/** Starts a long-running command, resolves with its first stdout line (the URL) and the child. */
function startLongRunning(args: string[]): Promise<{ url: string; child: ReturnType<typeof spawn>; stderr: () => string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, CI: '1' } });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ url: out.split('\n')[0], child, stderr: () => err });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing a URL: ${err}`)));
  });
}

function exitCode(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

beforeAll(() => {
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', cliDir], { stdio: 'inherit' });
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('train --estimator', () => {
  const checkpoint = join(work, 'estimator');
  const model = join(work, 'estimator.onnx');
  let result: Record<string, unknown>;

  beforeAll(() => {
    result = lastJson(mnist('train', '--estimator', '--steps', '300', '--train-limit', '3000', '--hidden', '64,32', '--out', checkpoint, '--json'));
    lastJson(mnist('export', '--onnx', '--checkpoint', checkpoint, '--out', model, '--json'));
  }, 180_000);

  it("fits DNNClassifier with TF's defaults and reports the run", () => {
    expect(result).toMatchObject({ estimator: true, steps: 300, epochs: 5, checkpoint });
    expect(result.testAccuracy).toBeGreaterThan(0.85);
    const json = JSON.parse(readFileSync(join(checkpoint, 'model.json'), 'utf8'));
    expect(json.modelSpec).toMatchObject({ hiddenUnits: [64, 32], activation: 'relu', initializer: 'glorot' });
    expect(json.training.optimizer).toMatchObject({ name: 'adagrad', learningRate: 0.05 });
    expect(json.training.testAccuracy).toBe(result.testAccuracy);
  });

  it('exports to ONNX unchanged: the model scores what the estimator scored, on both runtimes', () => {
    for (const runtime of ['node', 'web']) {
      expect(lastJson(mnist('eval', '--model', model, '--runtime', runtime, '--json')).accuracy).toBe(result.testAccuracy);
    }
    expect(lastJson(mnist('eval', '--checkpoint', checkpoint, '--json')).accuracy).toBe(result.testAccuracy);
  });

  it('serve answers /v1/predict with the model and stops on SIGTERM with exit 0', async () => {
    const { url, child } = await startLongRunning(['serve', '--model', model, '--port', '0']);
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      const meta = (await (await fetch(`${url}/v1/model`)).json()) as { testAccuracy: number };
      expect(meta.testAccuracy).toBe(result.testAccuracy);
      const predicted = (await (await fetch(`${url}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ images: [new Array(784).fill(0)] }),
      })).json()) as { classes: number[] };
      expect(predicted.classes).toHaveLength(1);
    } finally {
      const exited = exitCode(child);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 60_000);

  it('demo serves the page and the model, and stops on SIGINT with exit 0', async () => {
    const { url, child } = await startLongRunning(['demo', '--model', model, '--port', '0']);
    try {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      const onnx = await fetch(new URL('model.onnx', url));
      expect(Buffer.from(await onnx.arrayBuffer()).equals(readFileSync(model))).toBe(true);
    } finally {
      const exited = exitCode(child);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  }, 180_000);
});

describe('training flags', () => {
  it('train records activation, initializer, optimizer, dropout and early stopping in the checkpoint', () => {
    const out = join(work, 'flags');
    const r = lastJson(
      mnist('train', '--epochs', '3', '--train-limit', '1000', '--hidden', '32', '--activation', 'elu', '--initializer', 'he',
        '--optimizer', 'nesterov', '--momentum', '0.8', '--dropout', '0.2', '--patience', '1', '--out', out, '--json'),
    );
    expect(r).toMatchObject({ steps: expect.any(Number), bestEpoch: expect.any(Number) });
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(json.modelSpec).toMatchObject({ activation: 'elu', initializer: 'he', hiddenUnits: [32] });
    expect(json.training).toMatchObject({ optimizer: { name: 'nesterov', params: { momentum: 0.8 } }, dropoutRate: 0.2, earlyStopping: { patience: 1 } });
    // The exported graph carries ELU: ONNX Runtime scores exactly what the checkpoint (tfjs) scores.
    lastJson(mnist('export', '--onnx', '--checkpoint', out, '--json'));
    const fromCheckpoint = lastJson(mnist('eval', '--checkpoint', out, '--json')).accuracy;
    expect(fromCheckpoint).toBe(r.testAccuracy);
    expect(lastJson(mnist('eval', '--model', join(out, 'model.onnx'), '--json')).accuracy).toBe(fromCheckpoint);
  }, 120_000);

  it('refuses flags that do not fit together, with one line and no output directory', () => {
    const out = join(work, 'never');
    expectOneLineError(mnist('train', '--optimizer', 'adam', '--momentum', '0.5', '--out', out), /^mnist: --momentum applies to --optimizer momentum, nesterov or rmsprop, not adam$/);
    expectOneLineError(mnist('train', '--estimator', '--epochs', '3', '--out', out), /--epochs does not apply to --estimator/);
    expectOneLineError(mnist('train', '--dropout', '1', '--out', out), /--dropout must be a number in \[0, 1\), got "1"/);
    expectOneLineError(mnist('train', '--activation', 'swish', '--out', out), /--activation.*swish.*Allowed choices are relu, leaky_relu/);
    expectOneLineError(mnist('serve'), /required option '--model <file>'/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('tune', () => {
  it('runs a small search: progress on stderr, the table on stdout, the best checkpoint saved', () => {
    const out = join(work, 'tuned');
    const r = mnist('tune', '--trials', '2', '--epochs', '2', '--train-limit', '1000', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^Trial 1\/2: \[/m);
    expect(r.stderr).toMatch(/^Trial 2\/2: \[/m);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^rank\s+trial\s+val acc\s+best epoch\s+epochs\s+seconds\s+network$/);
    const accs = lines.slice(1, 3).map((l) => Number(l.split(/\s+/)[2]));
    expect(accs[0]).toBeGreaterThanOrEqual(accs[1]);
    expect(lines[3]).toMatch(/^Best: trial [12], validation accuracy 0\.\d{4}, test accuracy 0\.\d{4}$/);
    expect(existsSync(join(out, 'model.json'))).toBe(true);
    // --json: the same search (same seed) gives the same table.
    const again = lastJson(mnist('tune', '--trials', '2', '--epochs', '2', '--train-limit', '1000', '--out', join(work, 'tuned2'), '--json'));
    expect((again.trials as { validationAccuracy: number }[]).map((t) => t.validationAccuracy.toFixed(4))).toEqual(accs.map((a) => a.toFixed(4)));
  }, 300_000);
});
