// Child process of crash-safety.test.ts, on @mnist/trainer's built dist, so the test can kill -9 a real
// run. argv[2] is JSON: { train: <train() options, or a list of them run one after another> } or
// { write: { path, size } } (writeFileAtomic of `size` bytes), and optionally
//   within: a folder; every file-system call on a path inside it (fs/promises functions and the
//           methods of the file handles opened there) is one numbered step;
//   killAt: SIGKILL this process just before step N, to land a kill at an exact point of a save;
//   trace:  print `step N <call> <path>` on stdout before each step;
//   snapshots: after each epoch's save, copy model.json and weights.bin to <snapshots>/<epoch>/.
import { copyFileSync, mkdirSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join, resolve } from 'node:path';

const job = JSON.parse(process.argv[2]);
const within = job.within === undefined ? undefined : resolve(job.within);
let steps = 0;

if (within !== undefined) {
  const inside = (path) => typeof path === 'string' && (resolve(path) === within || resolve(path).startsWith(`${within}/`));
  const step = (call, path) => {
    steps += 1;
    if (job.trace) process.stdout.write(`step ${steps} ${call} ${path}\n`);
    if (steps === job.killAt) process.kill(process.pid, 'SIGKILL');
  };
  const handlePaths = new WeakMap();
  // Patched before the trainer is imported: its named imports of node:fs/promises bind to these after
  // syncBuiltinESMExports. File handles share one prototype, reached through a handle of our own.
  const probe = await fsp.open(process.execPath, 'r');
  const handleProto = Object.getPrototypeOf(probe);
  await probe.close();
  // (`close` is an own property of each handle, not on the prototype: a kill before it is a kill
  // after the call before it, which is counted.)
  for (const call of ['writeFile', 'write', 'sync', 'datasync', 'read', 'readFile', 'stat', 'truncate']) {
    const original = handleProto[call];
    handleProto[call] = function (...args) {
      const path = handlePaths.get(this);
      if (path !== undefined) step(`handle.${call}`, path);
      return original.apply(this, args);
    };
  }
  for (const call of ['open', 'rename', 'rm', 'unlink', 'mkdir', 'readdir', 'stat', 'lstat', 'writeFile', 'readFile', 'copyFile']) {
    const original = fsp[call];
    fsp[call] = async (...args) => {
      const path = String(args[0]);
      if (inside(path) || (call === 'rename' && inside(String(args[1])))) step(call, call === 'rename' ? `${path} -> ${args[1]}` : path);
      const result = await original(...args);
      if (call === 'open' && inside(path)) handlePaths.set(result, path);
      return result;
    };
  }
  syncBuiltinESMExports();
}

const trainer = await import('@mnist/trainer');
const { writeFileAtomic } = await import('@mnist/trainer/internal');
for (const options of job.train === undefined ? [] : [job.train].flat()) {
  const result = await trainer.train({
    ...options,
    onLog: (line) => process.stderr.write(`${line}\n`),
    onEpoch: (record) => {
      if (job.snapshots) {
        // Synchronous and unpatched: the next save starts only after this callback returns.
        const to = join(job.snapshots, String(record.epoch + 1));
        mkdirSync(to, { recursive: true });
        for (const file of ['model.json', 'weights.bin']) copyFileSync(join(options.out, file), join(to, file));
      }
      process.stdout.write(`epoch ${record.epoch}\n`);
    },
  });
  process.stdout.write(`done ${JSON.stringify(result)}\n`);
}
if (job.write) {
  await writeFileAtomic(job.write.path, new Uint8Array(job.write.size).fill(7));
  process.stdout.write('done\n');
}
