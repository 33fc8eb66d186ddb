import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_ARCHIVE_ENTRIES, unzipCheckpoint, zipCheckpoint } from './checkpoint-archive.js';
import { CheckpointError } from './checkpoint-format.js';
import { MAX_MODEL_BYTES } from './model-size-limit.js';

const files = () => ({
  modelJson: strToU8('{"format":"mnist-mlp-checkpoint","weightsSha256":"ab"}\n'),
  weightsBin: Uint8Array.from({ length: 4096 }, (_, i) => (i * 37) % 256),
});

describe('zipCheckpoint', () => {
  it('holds model.json and weights.bin, byte for byte, in that order', () => {
    const zip = zipCheckpoint(files());
    const back = unzipSync(zip);
    expect(Object.keys(back)).toEqual([...CHECKPOINT_ARCHIVE_ENTRIES]);
    expect(back['model.json']).toEqual(files().modelJson);
    expect(back['weights.bin']).toEqual(files().weightsBin);
  });

  it('gives the same bytes for the same checkpoint (fixed timestamps)', () => {
    expect(zipCheckpoint(files())).toEqual(zipCheckpoint(files()));
  });

  it('refuses anything but two byte arrays', () => {
    expect(() => zipCheckpoint({ modelJson: 'text' as unknown as Uint8Array, weightsBin: new Uint8Array() })).toThrow(TypeError);
  });
});

describe('unzipCheckpoint', () => {
  it('gives back the two files zipCheckpoint was given, ignoring other entries', () => {
    expect(unzipCheckpoint(zipCheckpoint(files()))).toEqual(files());
    const withExtra = zipSync({ 'README.txt': strToU8('hi'), 'model.json': files().modelJson, 'weights.bin': files().weightsBin });
    expect(unzipCheckpoint(withExtra)).toEqual(files());
  });

  it('names the archive and what is missing, in one line', () => {
    const onlyJson = zipSync({ 'model.json': files().modelJson });
    expect(() => unzipCheckpoint(onlyJson, 'run.zip')).toThrow(new CheckpointError('run.zip', 'expected model.json and weights.bin at the top of the archive, found no weights.bin'));
    const nested = zipSync({ run: { 'model.json': files().modelJson, 'weights.bin': files().weightsBin } });
    expect(() => unzipCheckpoint(nested, 'run.zip')).toThrow('run.zip: expected model.json and weights.bin at the top of the archive, found no model.json and no weights.bin');
    expect(() => unzipCheckpoint(strToU8('<!doctype html>'), 'page.zip')).toThrow(/^page\.zip: is not a zip archive \(/);
  });

  it('refuses an entry whose header promises more than the model size limit (a zip bomb)', () => {
    const zip = zipCheckpoint(files());
    // Patch weights.bin's uncompressed size in the central directory (offset 24 of its record).
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    let patched = 0;
    for (let at = 0; at + 46 <= zip.length; at++) {
      if (view.getUint32(at, true) !== 0x02014b50) continue;
      const nameLength = view.getUint16(at + 28, true);
      if (new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength)) !== 'weights.bin') continue;
      view.setUint32(at + 24, MAX_MODEL_BYTES + 1, true);
      patched++;
    }
    expect(patched).toBe(1);
    expect(() => unzipCheckpoint(zip, 'bomb.zip')).toThrow(`bomb.zip: weights.bin would inflate to ${MAX_MODEL_BYTES + 1} bytes, more than ${MAX_MODEL_BYTES}`);
  });
});
