// Load test of `mnist serve` (packages/serve): the server runs in a child process on 127.0.0.1, a
// fixed number of keep-alive clients in this process send single-image JSON predict requests for a
// fixed time, and it reports requests/s, p50/p99 latency, errors and the server's peak RSS.
// Target (issue 7, 2 cores shared by server and clients): >= 5000 req/s, p99 < 20 ms, no errors.
//
//   npx tsc -b packages/serve packages/export && node bench/serve-load.mjs [--model FILE.onnx]
//     [--concurrency 32] [--seconds 10] [--warmup 2] [--client raw|http] [--no-batching]
//     [--window MS] [--threads N] [--json]
// Without --model it exports a random-weights 784-300-100-10 network (no training needed).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HOST = '127.0.0.1';

if (process.argv[2] === '--child') await runServerChild();
else await main();

/** The server side: startServer on a free loopback port, peak RSS and batch stats on request. */
async function runServerChild() {
  const options = JSON.parse(process.argv[3]);
  const { startServer } = await import('../packages/serve/dist/index.js');
  const server = await startServer({ ...options, host: HOST, port: 0, handleSignals: true });
  process.send({ url: server.url });
  let cpuMark = process.cpuUsage();
  let statsMark = { ...server.batchStats };
  process.on('message', (message) => {
    if (message === 'mark') {
      cpuMark = process.cpuUsage();
      statsMark = { ...server.batchStats };
      process.send('marked');
    } else if (message === 'report') {
      const cpu = process.cpuUsage(cpuMark);
      const stats = server.batchStats;
      process.send({
        peakRssMiB: process.resourceUsage().maxRSS / 1024,
        cpuMs: (cpu.user + cpu.system) / 1000,
        runtimeCalls: stats.calls - statsMark.calls,
        images: stats.images - statsMark.images,
      });
    }
  });
  process.on('disconnect', () => void server.close());
}

async function main() {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      concurrency: { type: 'string', default: '32' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      client: { type: 'string', default: 'raw' },
      'no-batching': { type: 'boolean', default: false },
      window: { type: 'string' },
      threads: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
    },
  });
  const concurrency = Number(values.concurrency);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  if (!(concurrency >= 1 && concurrency <= 1024 && seconds > 0 && seconds <= 600 && warmup >= 0)) {
    throw new RangeError('--concurrency must be in [1, 1024], --seconds in (0, 600], --warmup >= 0');
  }
  if (values.client !== 'raw' && values.client !== 'http') throw new RangeError('--client must be raw or http');

  let dir;
  let modelPath = values.model;
  if (!modelPath) {
    dir = mkdtempSync(join(tmpdir(), 'serve-load-'));
    modelPath = join(dir, 'random-784-300-100-10.onnx');
    writeFileSync(modelPath, (await import('../packages/export/dist/testing/index.js')).randomOnnxModel([300, 100], 7).bytes);
  }
  const serverOptions = { model: modelPath, batching: !values['no-batching'], batchWindowMs: values.window === undefined ? undefined : Number(values.window), threads: Number(values.threads) };
  const child = fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify(serverOptions)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.env.SERVE_LOAD_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SERVE_LOAD_PROFILE_DIR}`] : [] });
  try {
    const { url } = await nextMessage(child);
    const port = Number(new URL(url).port);
    const bodies = requestBodies(16);
    const client = values.client === 'raw' ? rawClient(port, bodies) : httpClient(port, bodies, concurrency);
    if (warmup > 0) await runLoad(client, concurrency, warmup);
    child.send('mark');
    await nextMessage(child);
    const clientCpu = process.cpuUsage();
    const load = await runLoad(client, concurrency, seconds);
    const clientCpuUsed = process.cpuUsage(clientCpu);
    child.send('report');
    const report = await nextMessage(child);
    client.close();
    const result = {
      bench: 'serve-load',
      model: values.model ?? 'random 784-300-100-10',
      client: values.client,
      concurrency,
      seconds,
      batching: serverOptions.batching ? `on (window ${serverOptions.batchWindowMs === undefined ? 'default 2' : serverOptions.batchWindowMs} ms)` : 'off',
      threads: serverOptions.threads,
      requests: load.ok,
      errors: load.errors,
      requestsPerSecond: Math.round(load.ok / load.elapsedSeconds),
      p50Ms: round(quantile(load.latencies, 0.5)),
      p99Ms: round(quantile(load.latencies, 0.99)),
      maxMs: round(quantile(load.latencies, 1)),
      serverPeakRssMiB: Math.round(report.peakRssMiB),
      meanImagesPerRuntimeCall: report.runtimeCalls ? round(report.images / report.runtimeCalls) : null,
      // CPU time per request hardly depends on what else runs on the machine, unlike requests/s:
      // 2 cores / (server + client CPU per request) is what this pair could do on an idle machine.
      serverCpuUsPerRequest: Math.round((report.cpuMs * 1000) / Math.max(1, load.ok)),
      clientCpuUsPerRequest: Math.round((clientCpuUsed.user + clientCpuUsed.system) / Math.max(1, load.ok)),
      cores: cpus().length,
      loadAverage1m: round(loadavg()[0]),
    };
    const pass = result.requestsPerSecond >= 5000 && result.p99Ms < 20 && result.errors === 0;
    if (values.json) {
      console.log(JSON.stringify({ ...result, target: '>= 5000 req/s, p99 < 20 ms, 0 errors', meetsTarget: pass }));
    } else {
      console.log(`serve load: ${concurrency} keep-alive ${values.client} clients for ${seconds} s on ${HOST}, single-image JSON, batching ${result.batching}, ort threads ${result.threads}`);
      console.log(`  requests/s ${result.requestsPerSecond}   (target >= 5000)`);
      console.log(`  p50 ${result.p50Ms} ms   p99 ${result.p99Ms} ms   (target p99 < 20 ms)   max ${result.maxMs} ms`);
      console.log(`  errors ${result.errors}   (target 0)   requests ${result.requests}`);
      console.log(`  server peak RSS ${result.serverPeakRssMiB} MiB   images per runtime call ${result.meanImagesPerRuntimeCall ?? '-'}`);
      console.log(`  CPU per request: server ${result.serverCpuUsPerRequest} us, client ${result.clientCpuUsPerRequest} us`);
      console.log(`  ${result.cores} cores, load average ${result.loadAverage1m} (other processes share the machine)   ${pass ? 'MEETS' : 'MISSES'} the target`);
    }
  } finally {
    // SIGTERM is the graceful shutdown under test: the child must exit by itself, promptly.
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.kill('SIGTERM');
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const { code, signal } = await exited;
    clearTimeout(timer);
    if (code !== 0) console.error(`serve-load: the server exited with ${signal ?? `code ${code}`} after SIGTERM, expected code 0`);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `concurrency` request loops for `seconds`; latencies in ms of the requests that succeeded. */
async function runLoad(client, concurrency, seconds) {
  const deadline = performance.now() + seconds * 1000;
  const latencies = [];
  let errors = 0;
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      const connection = client.connect(worker);
      while (performance.now() < deadline) {
        const t = performance.now();
        const ok = await connection.post(next++);
        if (ok) latencies.push(performance.now() - t);
        else errors++;
      }
    }),
  );
  return { ok: latencies.length, errors, latencies: Float64Array.from(latencies).sort(), elapsedSeconds: (performance.now() - start) / 1000 };
}

/**
 * The cheapest client: one socket per worker, each request a pre-built byte string, the response
 * checked by status line and Content-Length only (fastify always sends Content-Length here).
 */
function rawClient(port, bodies) {
  const requests = bodies.map((body) =>
    Buffer.concat([Buffer.from(`POST /v1/predict HTTP/1.1\r\nHost: ${HOST}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`), body]),
  );
  const sockets = new Map();
  return {
    connect(worker) {
      const socket = net.connect({ host: HOST, port, noDelay: true });
      sockets.set(worker, socket);
      let buffered = Buffer.alloc(0);
      let pending;
      socket.on('data', (chunk) => {
        buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
        const headerEnd = buffered.indexOf('\r\n\r\n');
        if (headerEnd < 0 || !pending) return;
        const head = buffered.toString('latin1', 0, headerEnd);
        const match = /\r\ncontent-length: *(\d+)/i.exec(head);
        const total = headerEnd + 4 + (match ? Number(match[1]) : 0);
        if (buffered.length < total) return;
        const ok = head.startsWith('HTTP/1.1 200') && buffered[headerEnd + 4] === 0x7b;
        buffered = buffered.subarray(total);
        const resolve = pending;
        pending = undefined;
        resolve(ok);
      });
      const fail = () => {
        if (pending) {
          const resolve = pending;
          pending = undefined;
          resolve(false);
        }
      };
      socket.on('error', fail);
      socket.on('close', fail);
      return {
        post(i) {
          if (socket.destroyed) return new Promise((resolve) => setTimeout(() => resolve(false), 10));
          return new Promise((resolve) => {
            pending = resolve;
            socket.write(requests[i % requests.length]);
          });
        },
      };
    },
    close() {
      for (const socket of sockets.values()) socket.destroy();
    },
  };
}

/** node:http with a keep-alive Agent: what a typical Node client costs. */
function httpClient(port, bodies, concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  return {
    connect() {
      return {
        post(i) {
          const body = bodies[i % bodies.length];
          return new Promise((resolve) => {
            const request = http.request(
              { host: HOST, port, path: '/v1/predict', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
              (response) => {
                let first = -1;
                response.on('data', (chunk) => {
                  if (first < 0) first = chunk[0];
                });
                response.on('end', () => resolve(response.statusCode === 200 && first === 0x7b));
                response.on('error', () => resolve(false));
              },
            );
            request.on('error', () => resolve(false));
            request.end(body);
          });
        },
      };
    },
    close() {
      agent.destroy();
    },
  };
}

/** Pre-serialized single-image bodies: digit-like pixels b/255 at full double precision, as a JS client sends them. */
function requestBodies(count) {
  let seed = 12345;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: count }, () => {
    const image = Array.from({ length: 784 }, () => (random() < 0.8 ? 0 : Math.floor(random() * 256) / 255));
    return Buffer.from(JSON.stringify({ images: [image] }));
  });
}

function nextMessage(child) {
  return new Promise((resolve, reject) => {
    const onExit = (code) => reject(new Error(`the server child exited with code ${code} before answering`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message);
    });
  });
}

function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function round(x) {
  return Math.round(x * 100) / 100;
}
