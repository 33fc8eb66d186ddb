// The checkpoint folder through the compiled `mnist` executable: training again keeps the user's files
// (NOTES.txt, the exported model.onnx); a second run is refused with both ways out or starts over with
// --overwrite; Ctrl-C ends with one line naming the checkpoint and the command that resumes, exit 130;
// export cleans up what a killed export left and names the file when a write fails.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bin, buildCli, mnist, repoRoot, scratchDir, type Run } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-folder-');
// Small and quick: 500 training images, one small hidden layer.
const QUICK = ['--train-limit', '500', '--hidden', '32'];

/**
 * Runs `mnist train ...args` and sends SIGINT once its first epoch's log line appears; `again`: then
 * every 20 ms until it exits (two signals sent at once would arrive as one).
 */
function interruptedTrain(args: string[], again = false): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [bin, 'train', ...args], { cwd: repoRoot, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { code: null, stdout: '', stderr: '' };
    let sent = false;
    let repeat: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (run.stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      run.stderr += chunk;
      if (!sent && /^epoch \d+\/\d+: loss /m.test(run.stderr)) {
        sent = true;
        child.kill('SIGINT');
        if (again) repeat = setInterval(() => child.kill('SIGINT'), 20);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(repeat);
      resolveRun({ ...run, code, signal });
    });
  });
}

function modelJson(dir: string): { training: { epoch: number; testAccuracy?: number }; modelSpec: { hiddenUnits: number[] } } {
  return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
}

function errorLines(r: Run): string[] {
  return r.stderr.split('\n').filter((l) => l.startsWith('mnist: '));
}

beforeAll(buildCli, 180_000);

describe('training again in a checkpoint folder', () => {
  it('--resume keeps NOTES.txt and the exported model.onnx (the issue\'s reproduction)', () => {
    const dir = join(work, 'r5');
    expect(mnist('train', '--epochs', '1', ...QUICK, '--out', dir).code).toBe(0);
    expect(mnist('export', '--onnx', '--checkpoint', dir).code).toBe(0);
    writeFileSync(join(dir, 'NOTES.txt'), 'x\n');
    const onnx = readFileSync(join(dir, 'model.onnx'));
    const resumed = mnist('train', '--epochs', '2', ...QUICK, '--resume', '--out', dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['NOTES.txt', 'model.json', 'model.onnx', 'weights.bin']);
    expect(readFileSync(join(dir, 'NOTES.txt'), 'utf8')).toBe('x\n');
    expect(readFileSync(join(dir, 'model.onnx')).equals(onnx)).toBe(true);
    expect(modelJson(dir).training.epoch).toBe(2);
  }, 120_000);

  it('a second run is refused naming --resume and --overwrite; --overwrite starts over and keeps other files', () => {
    const dir = join(work, 'twice');
    expect(mnist('train', '--epochs', '2', ...QUICK, '--out', dir).code).toBe(0);
    writeFileSync(join(dir, 'NOTES.txt'), 'x\n');
    const refused = mnist('train', '--epochs', '1', ...QUICK, '--out', dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trimEnd()).toBe(
      `mnist: ${dir} already holds a checkpoint; pass --resume to continue it or --overwrite to start a new run there (other files in it are kept), or choose another --out`,
    );
    const again = mnist('train', '--epochs', '1', '--train-limit', '500', '--hidden', '16', '--out', dir, '--overwrite');
    expect(again.code, again.stderr).toBe(0);
    expect(modelJson(dir).training.epoch).toBe(1);
    expect(modelJson(dir).modelSpec.hiddenUnits).toEqual([16]);
    expect(readdirSync(dir).sort()).toEqual(['NOTES.txt', 'model.json', 'weights.bin']);
    const both = mnist('train', '--out', dir, '--overwrite', '--resume');
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/^mnist: option '--overwrite' cannot be used with option '--resume'\n$/);
  }, 120_000);
});

describe('Ctrl-C during mnist train', () => {
  it('ends after the epoch with one line naming the checkpoint and the resume command, exit 130; that command resumes', async () => {
    const dir = join(work, 'ctrl-c');
    const args = ['--epochs', '1000', ...QUICK, '--out', dir];
    const stopped = await interruptedTrain(args);
    expect(stopped.code, stopped.stderr).toBe(130);
    const saved = modelJson(dir).training;
    expect(saved.epoch).toBeGreaterThanOrEqual(1);
    expect(saved.testAccuracy).toBeUndefined();
    // The flags as given (in the command's own order), --out always, --resume first.
    const resume = `mnist train --resume --out ${dir} --epochs 1000 --hidden 32 --train-limit 500`;
    expect(errorLines(stopped)).toEqual([`mnist: interrupted: checkpoint ${dir} holds ${saved.epoch} of 1000 epochs; resume with: ${resume}`]);
    expect(stopped.stderr.trimEnd().split('\n').pop()).toBe(errorLines(stopped)[0]);
    expect(stopped.stdout).toBe('');
    expect(existsSync(`${dir}.lock`)).toBe(false);

    // The printed command, as printed (interrupted again, so it does not run 1000 epochs).
    const resumed = await interruptedTrain(resume.split(' ').slice(2));
    expect(resumed.code, resumed.stderr).toBe(130);
    expect(resumed.stderr).toContain(`Resuming ${dir} after epoch ${saved.epoch} of 1000`);
    expect(modelJson(dir).training.epoch).toBeGreaterThan(saved.epoch);
    expect(errorLines(resumed)).toEqual([`mnist: interrupted: checkpoint ${dir} holds ${modelJson(dir).training.epoch} of 1000 epochs; resume with: ${resume}`]);
  }, 120_000);

  it('a second Ctrl-C stops at once, still exit 130 and one line, and the checkpoint is whole', async () => {
    const dir = join(work, 'ctrl-c-twice');
    // The full training set: an epoch is long enough for the second signal to land inside it.
    const stopped = await interruptedTrain(['--epochs', '1000', '--hidden', '32', '--out', dir], true);
    expect(stopped.code, stopped.stderr).toBe(130);
    const lines = errorLines(stopped);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^mnist: interrupted again, stopped at once: checkpoint ${dir} holds at least 1 of 1000 epochs; resume with: mnist train --resume --out ${dir} --epochs 1000 --hidden 32$`));
    const evaluated = mnist('eval', '--checkpoint', dir, '--json');
    expect(evaluated.code, evaluated.stderr).toBe(0);
  }, 120_000);
});

describe('mnist export and its file', () => {
  let checkpoint: string;
  beforeAll(() => {
    checkpoint = join(work, 'export');
    expect(mnist('train', '--epochs', '1', ...QUICK, '--out', checkpoint).code).toBe(0);
  }, 120_000);

  it('removes the temp file a killed export left, and keeps a live one', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const dead = `.model.onnx.tmp-${gone.stdout}-0badc0de`;
    const live = `.model.onnx.tmp-${process.pid}-0badc0de`;
    writeFileSync(join(checkpoint, dead), 'half an onnx');
    writeFileSync(join(checkpoint, live), 'being written');
    expect(mnist('export', '--onnx', '--checkpoint', checkpoint).code).toBe(0);
    expect(readdirSync(checkpoint).sort()).toEqual([live, 'model.json', 'model.onnx', 'weights.bin']);
  });

  it.skipIf(!existsSync('/dev/full'))('a full disk is one line naming the file and ENOSPC; the device is not replaced', () => {
    const r = mnist('export', '--onnx', '--checkpoint', checkpoint, '--out', '/dev/full');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('mnist: /dev/full: cannot write (ENOSPC: no space left on device)\n');
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('a folder as --out is one line naming it', () => {
    const folder = join(work, 'a-folder.onnx');
    mkdirSync(folder);
    const r = mnist('export', '--onnx', '--checkpoint', checkpoint, '--out', folder);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mnist: ${folder}: cannot write (it is a folder; expected a file path)\n`);
  });
});
