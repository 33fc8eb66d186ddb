// SIGTERM and SIGINT delivered to a real server process (startServer in a child, from the built
// package): a request in flight is answered, a client stalled mid-body cannot hold the process past
// shutdownTimeoutMs, and a second signal cuts the connections at once.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MnistClassifier } from '@mnist/infer-node';
import { randomImageRows, randomOnnxModel } from '@mnist/export/testing';
import { bounded, connect } from './raw-http.fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'serve-shutdown-'));
const modelPath = join(dir, 'model.onnx');
const model = randomOnnxModel([16, 8]).bytes;
writeFileSync(modelPath, model);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The child: startServer with the options given, its shutdown notices and request log on stderr,
// the close summary on stdout. It exits by itself once the server has closed.
const CHILD = `
const [entry, model, options] = process.argv.slice(1);
const { startServer } = await import(entry);
const server = await startServer({ model, port: 0, logger: true, ...JSON.parse(options), notify: (line) => process.stderr.write('NOTICE ' + line + '\\n') });
process.stdout.write(server.url + '\\n');
process.stdout.write(JSON.stringify(await server.closed) + '\\n');
`;

interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  port: number;
  stdout(): string;
  /** Resolves when stderr has a line matching `pattern` `count` times. */
  logged(pattern: RegExp, count?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function serveInChild(options: Record<string, unknown>): Promise<ServerProcess> {
  const entry = new URL('../dist/index.js', import.meta.url).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, entry, modelPath, JSON.stringify(options)]);
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (d) => {
    stdout += d;
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const seen = (what: () => boolean, description: string): Promise<void> =>
    bounded(
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (what()) return resolve();
          if (child.exitCode !== null) return reject(new Error(`the server exited before ${description}: ${stderr}`));
          waiters.push(check);
        };
        check();
        child.once('exit', check);
      }),
      description,
    );
  await seen(() => stdout.includes('\n'), 'a URL on stdout');
  return {
    child,
    port: Number(new URL(stdout.split('\n')[0]).port),
    stdout: () => stdout,
    logged: (pattern, count = 1) => seen(() => stderr.split('\n').filter((line) => pattern.test(line)).length >= count, `${count} log line(s) matching ${pattern}`),
    exited: bounded(exited, 'exit of the server process'),
  };
}

const row = randomImageRows(1, 5)[0];
const body = JSON.stringify({ images: [row] });
const head = `POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
const INCOMING = /"msg":"incoming request"/;

describe('shutdown of a server process', () => {
  it('on SIGTERM answers the request in flight, cuts a client stalled mid-body after shutdownTimeoutMs, and exits 0', async () => {
    const server = await serveInChild({ shutdownTimeoutMs: 1000 });
    try {
      // Both requests have started (headers read) and neither body is complete when the signal comes.
      const stalled = await connect(server.port, head + body.slice(0, 200));
      const inFlight = await connect(server.port, head + body.slice(0, 200));
      await server.logged(INCOMING, 2);
      server.child.kill('SIGTERM');
      await server.logged(/^NOTICE SIGTERM: finishing requests in flight \(at most 1 s; SIGTERM again stops at once\)$/);

      inFlight.socket.write(body.slice(200));
      const answer = await inFlight.response();
      expect(answer.status).toBe(200);
      expect(answer.headers.connection).toBe('close');
      const direct = await MnistClassifier.load(model);
      expect(JSON.parse(answer.body).classes).toEqual(Array.from((await direct.predict([row])).classes));
      await direct.dispose();
      // No new work is taken: a new connection is refused, or (accepted before the listener closed) its request gets 503.
      const late = await connect(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n').then(
        async (connection) => (await connection.response()).status,
        (error: NodeJS.ErrnoException) => error.code,
      );
      expect([503, 'ECONNREFUSED']).toContain(late);

      expect(await server.exited).toEqual({ code: 0, signal: null });
      await stalled.closed();
      expect(stalled.received()).toBe('');
      expect(JSON.parse(server.stdout().split('\n')[1])).toEqual({ how: 'timeout', cutConnections: 1 });
      await server.logged(/^NOTICE cut 1 connection\(s\) still open after 1 s$/);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('exits as soon as every request is answered when no client stalls', async () => {
    const server = await serveInChild({ shutdownTimeoutMs: 600_000 });
    try {
      const idle = await connect(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      expect((await idle.response()).status).toBe(200);
      server.child.kill('SIGINT');
      // Ten minutes of grace, yet the idle keep-alive connection is closed and the process ends now.
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(await idle.closed()).toBe('end');
      expect(JSON.parse(server.stdout().split('\n')[1])).toEqual({ how: 'graceful', cutConnections: 0 });
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('on a second signal cuts the stalled connections at once instead of waiting out the grace period', async () => {
    const server = await serveInChild({ shutdownTimeoutMs: 600_000 });
    try {
      const stalled = await connect(server.port, head + body.slice(0, 200));
      await server.logged(INCOMING);
      server.child.kill('SIGTERM');
      await server.logged(/^NOTICE SIGTERM: finishing requests in flight/);
      server.child.kill('SIGINT');
      await server.logged(/^NOTICE SIGINT again: cutting the open connections now$/);
      expect(await server.exited).toEqual({ code: 0, signal: null });
      await stalled.closed();
      expect(JSON.parse(server.stdout().split('\n')[1])).toEqual({ how: 'forced', cutConnections: 1 });
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
