// `mnist report` through the compiled bin: the page's sections, curves with a point per epoch, a heat
// map that is eval's confusion matrix, mistakes that are mistakes, a page for a checkpoint without
// history, folders made for --out, and one-line errors for what cannot be reported on.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findAll, parseXml, type XmlElement } from '@mnist/charts/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, expectOneLineError, lastJson, mnist, repoRoot, scratchDir } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-report-');
const run = join(work, 'dnn');
const EPOCHS = 3;

/** The page's SVG charts, each read back strictly as XML. */
const chartsOf = (html: string): XmlElement[] => [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => parseXml(m[0]));

beforeAll(() => {
  buildCli();
  lastJson(mnist('train', '--epochs', String(EPOCHS), '--train-limit', '1000', '--hidden', '32', '--out', run, '--json'));
}, 300_000);

describe('mnist report', () => {
  it('writes <checkpoint>/report.html with every section, curves of one point per epoch, and eval\'s confusion matrix', () => {
    const result = lastJson(mnist('report', '--checkpoint', run, '--json'));
    expect(result.out).toBe(join(run, 'report.html'));
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    expect(result.bytes).toBe(Buffer.byteLength(html));
    for (const id of ['settings', 'curves', 'test', 'per-class', 'mistakes']) expect(html).toContain(`<section id="${id}">`);
    // Self-contained: no script, and nothing that would fetch (every src is a data: URI).
    expect(html).not.toMatch(/<script|<link|@import|url\(/i);
    expect([...html.matchAll(/\ssrc="([^"]*)"/g)].every((m) => m[1].startsWith('data:image/png;base64,'))).toBe(true);
    expect(html).toContain('<th>learning rate</th><td>0.01</td>');
    expect(html).toContain(`<th>epochs</th><td>${EPOCHS} of ${EPOCHS}`);

    const charts = chartsOf(html);
    expect(charts.map((c) => c.attrs.class)).toEqual(['line-chart', 'line-chart', 'heat-map', 'bar-chart']);
    for (const curve of charts.slice(0, 2)) {
      const series = findAll(curve, 'g', 'series');
      expect(series).toHaveLength(2);
      for (const s of series) expect(findAll(s, 'circle', 'point')).toHaveLength(EPOCHS);
    }

    const evaluated = lastJson(mnist('eval', '--checkpoint', run, '--json'));
    const n = evaluated.n as number;
    const cells = findAll(charts[2], 'rect', 'cell').map((c) => ({ r: Number(c.attrs['data-row']), c: Number(c.attrs['data-col']), v: Number(c.attrs['data-value']) }));
    expect(cells).toHaveLength(100);
    expect(cells.reduce((s, x) => s + x.v, 0)).toBe(n);
    const diagonal = cells.filter((x) => x.r === x.c).reduce((s, x) => s + x.v, 0);
    expect(diagonal / n).toBeCloseTo(evaluated.accuracy as number, 12);
    const matrix = evaluated.confusionMatrix as number[][];
    expect(cells.every((x) => matrix[x.r][x.c] === x.v)).toBe(true);
    expect(result).toMatchObject({ accuracy: evaluated.accuracy, n, epochs: EPOCHS });
    expect(html).toContain(`Test accuracy: ${(evaluated.accuracy as number).toFixed(4)}`);

    const perClass = evaluated.perClass as { accuracy: number }[];
    expect(findAll(charts[3], 'rect', 'bar').map((b) => Number(b.attrs['data-value']))).toEqual(perClass.map((c) => c.accuracy));
  });

  it('shows the most confident mistakes: misclassified test images, surest first, with their true labels', () => {
    const out = join(work, 'made', 'for', 'it', 'page.html');
    const result = lastJson(mnist('report', '--checkpoint', run, '--out', out, '--mistakes', '12', '--json'));
    expect(result.out).toBe(out);
    const html = readFileSync(out, 'utf8');
    const mistakes = [...html.matchAll(/<li class="mistake" data-index="(\d+)" data-label="(\d+)" data-predicted="(\d+)">[\s\S]*?\((\d+\.\d)%\)<\/li>/g)].map((m) => ({
      index: Number(m[1]),
      label: Number(m[2]),
      predicted: Number(m[3]),
      percent: Number(m[4]),
    }));
    expect(mistakes).toHaveLength(12);
    expect(result.mistakes).toBe(12);
    // The labels are the test set's own (the MNIST t10k labels file, after its 8-byte header).
    const labels = readFileSync(join(repoRoot, 'data', 'mnist', 't10k-labels-idx1-ubyte'));
    for (const m of mistakes) {
      expect(m.predicted).not.toBe(m.label);
      expect(m.label).toBe(labels[8 + m.index]);
    }
    expect(mistakes.map((m) => m.percent)).toEqual([...mistakes.map((m) => m.percent)].sort((a, b) => b - a));
  });

  it('says so instead of drawing empty curves for a checkpoint without history, and escapes labels from model.json', () => {
    const bare = join(work, 'bare');
    mkdirSync(bare);
    copyFileSync(join(run, 'weights.bin'), join(bare, 'weights.bin'));
    const json = JSON.parse(readFileSync(join(run, 'model.json'), 'utf8'));
    json.training = { ...json.training, epoch: 0, step: 0, history: [] };
    json.labels = ['<i>zero</i>', ...json.labels.slice(1)];
    writeFileSync(join(bare, 'model.json'), JSON.stringify(json));
    lastJson(mnist('report', '--checkpoint', bare, '--json'));
    const html = readFileSync(join(bare, 'report.html'), 'utf8');
    expect(html).toContain('No training history (epoch 0): no epoch has been trained yet, so there are no curves to draw.');
    expect(chartsOf(html).map((c) => c.attrs.class)).toEqual(['heat-map', 'bar-chart']);
    expect(html).not.toContain('<i>');
    expect(html).toContain('&lt;i&gt;zero&lt;/i&gt;');
  });

  it('refuses in one line what it cannot report on, before any folder is made', () => {
    const onnx = join(work, 'model.onnx');
    writeFileSync(onnx, 'not a checkpoint');
    expectOneLineError(mnist('report', '--checkpoint', onnx), /^mnist: --checkpoint: ".*model\.onnx" is an ONNX model file, not a checkpoint directory$/);
    expectOneLineError(mnist('report', '--checkpoint', join(work, 'missing')), /missing.*does not exist/);
    expectOneLineError(mnist('report', '--checkpoint', run, '--out', work), /^mnist: --out: ".*" is a directory, expected an \.html file to write$/);
    expectOneLineError(mnist('report', '--checkpoint', run, '--out', join(run, 'model.json', 'r.html')), /^mnist: --out: ".*model\.json" is a file, expected a directory/);
    expectOneLineError(mnist('report', '--checkpoint', run, '--data', join(work, 'nowhere')), /^mnist: --data: directory ".*nowhere" does not exist$/);
    expect(existsSync(join(work, 'missing'))).toBe(false);
  });
});
