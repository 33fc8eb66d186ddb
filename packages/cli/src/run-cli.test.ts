// runCli in-process: exit codes and the stdout/stderr split, without spawning a process.
import { describe, expect, it } from 'vitest';
import { capturedStream } from './captured-stream.fixture.js';
import type { CliIo } from './cli-io.js';
import { runCli } from './run-cli.js';

function captureIo(): { io: CliIo; out: () => string; err: () => string } {
  const out = capturedStream();
  const err = capturedStream();
  return { io: { stdout: out.stream, stderr: err.stream, interactive: false }, out: out.text, err: err.text };
}

describe('runCli', () => {
  it('prints help on stdout and resolves 0', async () => {
    const c = captureIo();
    expect(await runCli(['predict', '--help'], c.io)).toBe(0);
    expect(c.out()).toContain('Usage: mnist predict [options] [images...]');
    expect(c.err()).toBe('');
  });

  it('reports a bad flag as one line on stderr and resolves 1', async () => {
    const c = captureIo();
    expect(await runCli(['train', '--epochs', 'abc'], c.io)).toBe(1);
    expect(c.err()).toBe('mnist: --epochs must be a positive integer, got "abc"\n');
    expect(c.out()).toBe('');
  });

  it('refuses flags of the other model source', async () => {
    const c = captureIo();
    expect(await runCli(['eval', '--checkpoint', 'x', '--runtime', 'web'], c.io)).toBe(1);
    expect(c.err()).toBe('mnist: --runtime applies to --model FILE.onnx; with --checkpoint choose --backend\n');
    const d = captureIo();
    expect(await runCli(['predict', '--model', 'm.onnx', '--backend', 'cpu'], d.io)).toBe(1);
    expect(d.err()).toMatch(/^mnist: --backend applies to --checkpoint/);
  });

  it('prints its help on stderr and resolves 1 without a command', async () => {
    const c = captureIo();
    expect(await runCli([], c.io)).toBe(1);
    expect(c.err()).toContain('Usage: mnist');
  });
});
