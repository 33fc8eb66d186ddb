// Child process of crash-safety.test.ts: runs @mnist/trainer's train() from the built dist with the
// options given as JSON in argv[2], so the test can kill -9 a real training run. Optional fault
// injection (argv[3], JSON {"op": "rename" | "open", "call": N}): SIGKILL this process just before
// its N-th fs/promises call of that kind, to land a kill at an exact point inside a checkpoint save.
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

const options = JSON.parse(process.argv[2]);
const fault = process.argv[3] ? JSON.parse(process.argv[3]) : undefined;

if (fault) {
  // Patch before the trainer is imported: its named imports of node:fs/promises bind to these after
  // syncBuiltinESMExports.
  const original = fsp[fault.op];
  let calls = 0;
  fsp[fault.op] = async (...args) => {
    calls += 1;
    if (calls === fault.call) process.kill(process.pid, 'SIGKILL');
    return original(...args);
  };
  syncBuiltinESMExports();
}

const { train } = await import('@mnist/trainer');
const result = await train({
  ...options,
  onLog: (line) => process.stderr.write(`${line}\n`),
  onEpoch: (record) => process.stdout.write(`epoch ${record.epoch}\n`),
});
process.stdout.write(`done ${JSON.stringify(result)}\n`);
