import { createHash } from 'node:crypto';
import { encodeCheckpoint } from '@mnist/core';
import { randomCheckpoint } from '@mnist/export/testing';
import { describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from './memory-checkpoint-store.js';

const checkpoint = (seed: number) => randomCheckpoint([3], seed);

const nodeSha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('MemoryCheckpointStore', () => {
  it("keeps the bytes Node's checkpoint-io writes (digest included) and loads them back", async () => {
    const store = new MemoryCheckpointStore();
    expect(await store.holds('runs/a')).toBe(false);
    await store.save('runs/a', checkpoint(1));
    expect(await store.holds('runs/a')).toBe(true);
    const node = encodeCheckpoint(checkpoint(1), { sha256: nodeSha256 });
    const files = store.files('runs/a');
    expect(new TextDecoder().decode(files.modelJson)).toBe(node.modelJson);
    expect(files.weightsBin).toEqual(node.weightsBin);
    const loaded = await store.load('runs/a');
    expect(loaded.weights.get('dnn/hidden1/kernel')!.values).toEqual(checkpoint(1).weights.get('dnn/hidden1/kernel')!.values);
    expect(loaded.modelJson.weightsSha256).toBe(nodeSha256(node.weightsBin));
    await store.save('runs/a', checkpoint(2));
    expect((await store.load('runs/a')).modelJson.training.seed).toBe(2);
    expect(store.locations()).toEqual(['runs/a']);
  });

  it('refuses a missing location and weights that are not the digested ones, naming them', async () => {
    const store = new MemoryCheckpointStore();
    await expect(store.load('runs/none')).rejects.toThrow(/^runs\/none: does not exist/);
    expect(() => store.files('runs/none')).toThrow(/^runs\/none: does not exist/);
    const { modelJson, weightsBin } = encodeCheckpoint(checkpoint(1), { sha256: nodeSha256 });
    const tampered = weightsBin.slice();
    tampered[0] ^= 1;
    store.put('up', { modelJson: new TextEncoder().encode(modelJson), weightsBin: tampered });
    await expect(store.load('up')).rejects.toThrow('up/weights.bin: does not match model.json (its SHA-256 is not the weightsSha256 recorded there)');
    expect(() => store.put('short', { modelJson: new TextEncoder().encode(modelJson), weightsBin: weightsBin.subarray(4) })).toThrow(/^short/);
    await expect(store.holds('')).rejects.toThrow('a checkpoint location must be a non-empty string, got ""');
  });

  it('files() hands out copies: changing them leaves the stored checkpoint intact', async () => {
    const store = new MemoryCheckpointStore();
    await store.save('a', checkpoint(3));
    store.files('a').weightsBin.fill(0);
    expect((await store.load('a')).weights.get('dnn/outputs/bias')!.values).toEqual(checkpoint(3).weights.get('dnn/outputs/bias')!.values);
  });

  it('lets one run at a time hold a location, until it releases it', async () => {
    const store = new MemoryCheckpointStore();
    const release = await store.lock('runs/a');
    await expect(store.lock('runs/a')).rejects.toThrow('runs/a is being trained by another run in this page; wait for it to finish or choose another out');
    const other = await store.lock('runs/b');
    await release();
    await release();
    const again = await store.lock('runs/a');
    await again();
    await other();
  });
});
