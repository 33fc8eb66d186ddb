// Atomic writes: the new bytes or the old file, and no temporary file left behind.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './write-file-atomic.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'mnist-cli-atomic-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('writeFileAtomic', () => {
  it('replaces a file with the new bytes and leaves nothing else', () => {
    const dir = tempDir();
    const file = join(dir, 'model.onnx');
    writeFileSync(file, 'old');
    writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    expect(Array.from(readFileSync(file))).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['model.onnx']);
  });
  it('removes its temporary file when the rename fails', () => {
    const dir = tempDir();
    // A non-empty directory in the target's place: the temporary file is written, the rename refused.
    const target = join(dir, 'model.onnx');
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), 'x');
    expect(() => writeFileAtomic(target, new Uint8Array([1, 2, 3]))).toThrow();
    expect(readdirSync(dir)).toEqual(['model.onnx']);
    expect(readdirSync(target)).toEqual(['keep']);
  });
});
