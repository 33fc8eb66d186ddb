// Tests of the atomic writer: replacing a file, removing what killed writers left (and nothing a live
// writer may still use), writing into devices instead of replacing them, and one-line failures naming
// the path and the action.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSystemError, writeFileAtomic } from './write-file-atomic.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'write-atomic-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

// A pid that surely belongs to no process: one that just exited.
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('writeFileAtomic', () => {
  it('creates and replaces a file, leaving no temp file', async () => {
    const target = join(root, 'model.onnx');
    await writeFileAtomic(target, 'one');
    await writeFileAtomic(target, new Uint8Array([116, 119, 111]));
    expect(await readFile(target, 'utf8')).toBe('two');
    expect(await readdir(root)).toEqual(['model.onnx']);
  });

  it("removes the temp files a dead writer left for the same target, and no one else's", async () => {
    const dead = deadPid();
    const thisHost = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
    // Named as today (host, pid, nonce) and as before hosts were recorded (pid, nonce).
    const left = [`.model.onnx.tmp-${thisHost}-${dead}-0badc0de`, `.model.onnx.tmp-${dead}-0badc0de`];
    const kept = [
      // The vitest main process: alive, and not us, so possibly a write in progress.
      `.model.onnx.tmp-${thisHost}-${process.ppid}-0badc0de`,
      // A dead pid of another host cannot be judged from here.
      `.model.onnx.tmp-${thisHost === '00000000' ? '00000001' : '00000000'}-${dead}-0badc0de`,
      // Another file's temp, and something that only looks like a temp file.
      `.other.onnx.tmp-${dead}-0badc0de`,
      `.model.onnx.tmp-not-ours`,
    ];
    for (const name of [...left, ...kept]) await writeFile(join(root, name), 'partial');
    await writeFileAtomic(join(root, 'model.onnx'), 'whole');
    expect((await readdir(root)).sort()).toEqual([...kept, 'model.onnx'].sort());
  });

  it.skipIf(!existsSync('/dev/full'))('a full device fails with the path and ENOSPC, and the device stays a device', async () => {
    const error = await writeFileAtomic('/dev/full', new Uint8Array(1024)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileSystemError);
    expect((error as Error).message).toBe('/dev/full: cannot write (ENOSPC: no space left on device)');
    expect((error as FileSystemError).code).toBe('ENOSPC');
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('a folder in the target\'s place is named, and nothing is written', async () => {
    await mkdir(join(root, 'model.onnx'));
    await expect(writeFileAtomic(join(root, 'model.onnx'), 'x')).rejects.toThrow(`${join(root, 'model.onnx')}: cannot write (it is a folder; expected a file path)`);
    expect(await readdir(root)).toEqual(['model.onnx']);
  });

  it('a missing folder is named with the target and the system error', async () => {
    const target = join(root, 'missing', 'model.onnx');
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow(`${target}: cannot write (ENOENT: no such file or directory)`);
  });
});
