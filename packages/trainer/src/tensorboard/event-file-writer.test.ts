import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEventFile } from '../testing/tfevents-reader.js';
import { EventFileError, EventFileWriter, runName } from './event-file-writer.js';
import { tfRecord } from './tfrecord.js';

const work = mkdtempSync(join(tmpdir(), 'mnist-tfevents-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));

describe('EventFileWriter', () => {
  it('writes records the independent reader accepts: header, steps, tags and float32 values', () => {
    const writer = EventFileWriter.create(join(work, 'runs'), at);
    writer.scalars(100, [{ tag: 'batch/loss', value: 0.3125 }], 1767323046.5);
    writer.scalars(2 ** 40, [
      { tag: 'epoch/loss', value: 0.1 },
      { tag: 'epoch/val_accuracy', value: 0.96 },
    ]);
    writer.close();
    writer.close();
    expect(writer.runDir).toBe(join(work, 'runs', '2026-01-02_03-04-05'));
    expect(basename(writer.file)).toMatch(/^events\.out\.tfevents\.1767323045\..+$/);
    const r = readEventFile(writer.file);
    if (!r.ok) throw new Error(r.error);
    expect(r.records).toBe(3);
    expect(r.file_version).toBe('brain.Event:2');
    expect(r.events[0].wall_time).toBe(at.getTime() / 1000);
    expect(r.events[1]).toEqual({ wall_time: 1767323046.5, step: 100, scalars: { 'batch/loss': 0.3125 } });
    expect(r.events[2].step).toBe(2 ** 40);
    expect(r.events[2].scalars).toEqual({ 'epoch/loss': Math.fround(0.1), 'epoch/val_accuracy': Math.fround(0.96) });
  });

  it('never reuses a run folder: a second run in the same second gets its own', () => {
    const a = EventFileWriter.create(join(work, 'same'), at);
    const b = EventFileWriter.create(join(work, 'same'), at);
    a.close();
    b.close();
    expect(readdirSync(join(work, 'same')).sort()).toEqual([runName(at), `${runName(at)}-2`]);
  });

  it('a write error is one line naming the file', () => {
    writeFileSync(join(work, 'a-file'), '');
    expect(() => EventFileWriter.create(join(work, 'a-file'), at)).toThrow(EventFileError);
    expect(() => EventFileWriter.create(join(work, 'a-file'), at)).toThrow(/^cannot write TensorBoard log .*a-file: E[A-Z]+$/);
  });
});

describe('TFRecord framing', () => {
  const record = tfRecord(new TextEncoder().encode('hello, tensorboard'));
  const file = join(work, 'framing.tfevents');

  it('is length, its CRC, data, its CRC', () => {
    expect(record.length).toBe(8 + 4 + 18 + 4);
    expect(new DataView(record.buffer).getBigUint64(0, true)).toBe(18n);
  });

  it('a corrupted byte anywhere is caught by the reader, by the check that covers it', () => {
    // A valid Event (the header record) so the intact file decodes.
    const good = readFileSync(EventFileWriter.create(join(work, 'frame'), at).file);
    writeFileSync(file, good);
    expect(readEventFile(file).ok).toBe(true);
    const cases: [number, RegExp][] = [
      [3, /record 0 at byte 0: bad length CRC/],
      [9, /record 0 at byte 0: bad length CRC/],
      [14, /record 0 at byte 0: bad data CRC/],
      [good.length - 1, /record 0 at byte 0: bad data CRC/],
    ];
    for (const [at, message] of cases) {
      const bad = Uint8Array.from(good);
      bad[at] ^= 0x01;
      writeFileSync(file, bad);
      const r = readEventFile(file);
      expect(r.ok, `byte ${at}`).toBe(false);
      if (!r.ok) expect(r.error).toMatch(message);
    }
    writeFileSync(file, good.subarray(0, good.length - 2));
    const cut = readEventFile(file);
    expect(cut.ok).toBe(false);
    if (!cut.ok) expect(cut.error).toMatch(/truncated data/);
  });
});
