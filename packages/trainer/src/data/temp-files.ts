// The hidden temp files that crash-safe writes put beside their target (`.model.onnx.tmp-<host>-<pid>-<nonce>`):
// how they are named, found again, and judged left over, so a write killed half-way is cleaned up by a
// later one instead of staying forever. Internal to the trainer.
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** A temp file of `target`, and the process that made it. */
export interface TempFile {
  path: string;
  pid: number;
  /** Whether it was made on this host (names from before hosts were recorded count as this host's). */
  thisHost: boolean;
}

/**
 * A fresh temp path beside `target`, naming this host and process.
 * @example tempPathFor('checkpoints/dnn/model.onnx') // 'checkpoints/dnn/.model.onnx.tmp-1f2e3d4c-4242-9a8b7c6d'
 */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${HOST_TAG}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * The temp files beside `target` (of any process), in name order; none when its folder cannot be read.
 * @example for (const t of await tempFilesOf('checkpoints/dnn/weights.bin')) console.log(t.pid);
 */
export async function tempFilesOf(target: string): Promise<TempFile[]> {
  let names: string[];
  try {
    names = await readdir(dirname(target));
  } catch {
    return [];
  }
  const prefix = `.${basename(target)}.tmp-`;
  const found: TempFile[] = [];
  for (const name of names.sort()) {
    if (!name.startsWith(prefix)) continue;
    // `<host>-<pid>-<nonce>`, or `<pid>-<nonce>` as written before the host was recorded.
    const m = /^(?:([0-9a-f]{8})-)?(\d+)-[0-9a-f]{8}$/.exec(name.slice(prefix.length));
    if (m) found.push({ path: join(dirname(target), name), pid: Number(m[2]), thisHost: m[1] === undefined || m[1] === HOST_TAG });
  }
  return found;
}

/**
 * Whether `temp`'s writer is gone for sure: a process of this host that no longer runs. A temp file
 * of another host (a shared folder) cannot be judged from here and is never called left over.
 * @example if (isLeftover(temp)) await rm(temp.path, { force: true });
 */
export function isLeftover(temp: TempFile): boolean {
  return temp.thisHost && temp.pid !== process.pid && !isProcessAlive(temp.pid);
}

/**
 * Whether a process with this pid runs on this host (EPERM: it does, as another user).
 * @example isProcessAlive(process.pid) // true
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Eight hex digits of the host name's hash: a name may hold any character, a file name should not.
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
