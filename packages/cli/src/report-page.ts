// The page `mnist report` writes: one self-contained HTML file (inline CSS and SVG, images as data: URIs,
// no script, nothing fetched) showing a checkpoint's model, training settings, curves and test results.
import { barChart, escapeXml, heatMap, historyCharts } from '@mnist/charts';
import { describeNetwork, type ModelJson } from '@mnist/core';
import type { Mistake } from './confident-mistakes.js';
import type { EvalReport } from './eval-report.js';

/** A misclassified image ready to show: its scores and its PNG as a data: URI. */
export interface MistakeImage extends Mistake {
  src: string;
}

/** Everything the page shows, as plain data. */
export interface ReportData {
  /** The checkpoint folder as given. */
  checkpoint: string;
  modelJson: ModelJson;
  /** The test set the evaluation ran on, e.g. 'mnist' or a folder. */
  scoredOn: string;
  evaluation: EvalReport;
  /** The most confident mistakes, most confident first. */
  mistakes: MistakeImage[];
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; } td, th { padding: 2px 10px; text-align: left; border-bottom: 1px solid #eee; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; } figure { margin: 0; width: min-content; } figcaption { font-size: 0.85rem; color: #555; }
.note { color: #555; } .accuracy { font-size: 1.4rem; font-weight: 600; }
.gallery { display: flex; flex-wrap: wrap; gap: 10px; list-style: none; padding: 0; }
.gallery li { width: 92px; text-align: center; font-size: 0.8rem; }
.gallery img { width: 84px; height: 84px; image-rendering: pixelated; border: 1px solid #ccc; }
`;

const text = (value: unknown) => escapeXml(String(value));
const row = (name: string, value: unknown) => `<tr><th>${text(name)}</th><td>${text(value)}</td></tr>`;

/**
 * The report page of a checkpoint as one HTML string.
 * @example writeFileSync('report.html', reportPage({ checkpoint, modelJson, scoredOn: 'mnist', evaluation, mistakes }));
 */
export function reportPage(data: ReportData): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing on the page may load anything: its images are data: URIs and it has no script.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`,
    `<title>MNIST report: ${text(data.checkpoint)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>MNIST report: ${text(data.checkpoint)}</h1>`,
    settingsSection(data),
    curvesSection(data.modelJson),
    testSection(data),
    perClassSection(data.evaluation),
    mistakesSection(data),
    '</body></html>',
    '',
  ].join('\n');
}

function settingsSection({ modelJson }: ReportData): string {
  const { modelSpec: spec, training: t } = modelJson;
  const params = Object.entries(t.optimizer.params ?? {}).map(([k, v]) => `${k} ${v}`);
  const dataset = t.dataset ? `${t.dataset.name}${t.dataset.folder ? ` (${t.dataset.folder})` : ''}` : 'mnist (not recorded)';
  const rows = [
    row('network', `${describeNetwork(spec)}, ${spec.initializer} initializer`),
    row('image shape', spec.imageShape ? spec.imageShape.join('x') : `${spec.inputSize} pixels`),
    row('labels', modelJson.labels.join(' ')),
    row('optimizer', [t.optimizer.name, ...params].join(', ')),
    row('learning rate', t.optimizer.learningRate),
    row('batch size', t.batchSize),
    row('epochs', `${t.epoch} of ${t.epochs} (${t.step} steps)`),
    row('seed', t.seed),
    row('validation images', t.validationSize),
    row('dropout rate', t.dropoutRate ?? 0),
    row('dataset', dataset),
    row('engine', `${t.engine} (${t.backend})`),
  ];
  if (t.earlyStopping) {
    const e = t.earlyStopping;
    rows.push(row('early stopping', `patience ${e.patience}, best epoch ${e.bestEpoch + 1} (validation accuracy ${e.bestValidationAccuracy.toFixed(4)})${e.stopped ? ', stopped' : ''}`));
  }
  if (t.importedFrom) rows.push(row('imported from', `${t.importedFrom.file} (${t.importedFrom.producer})`));
  if (t.initializedFrom) rows.push(row('initialized from', `${t.initializedFrom.checkpoint} (epoch ${t.initializedFrom.epoch})`));
  return `<section id="settings"><h2>Model and training</h2><table>${rows.join('')}</table></section>`;
}

function curvesSection(modelJson: ModelJson): string {
  const history = modelJson.training.history;
  if (history.length === 0) {
    const why = modelJson.training.importedFrom ? `imported from ${modelJson.training.importedFrom.file}, not trained here` : 'no epoch has been trained yet';
    return `<section id="curves"><h2>Training curves</h2><p class="note">No training history (epoch ${modelJson.training.epoch}): ${text(why)}, so there are no curves to draw.</p></section>`;
  }
  const { loss, accuracy } = historyCharts(
    history.map((r) => ({ epoch: r.epoch, loss: r.loss, accuracy: r.batchAccuracy, valLoss: r.valLoss, valAccuracy: r.validationAccuracy })),
  );
  return (
    `<section id="curves"><h2>Training curves</h2><div class="charts">` +
    `<figure>${loss}<figcaption>Loss: training is the mean over the epoch's batches; validation on the held-out images.</figcaption></figure>` +
    `<figure>${accuracy}<figcaption>Accuracy: training is the epoch's last batch; validation on the held-out images.</figcaption></figure>` +
    `</div></section>`
  );
}

function testSection({ evaluation, scoredOn }: ReportData): string {
  const labels = evaluation.perClass.map((c) => c.label);
  const map = heatMap(evaluation.confusionMatrix, labels, labels, { rowTitle: 'true class', colTitle: 'predicted class', title: 'confusion matrix' });
  return (
    `<section id="test"><h2>Test set</h2>` +
    `<p class="accuracy">Test accuracy: ${evaluation.accuracy.toFixed(4)}</p>` +
    `<p class="note">${evaluation.n} images of ${text(scoredOn)}.</p>` +
    `<figure id="confusion">${map}<figcaption>Confusion matrix: rows are true classes, columns predicted classes; a cell's colour is its share of its row.</figcaption></figure>` +
    `</section>`
  );
}

function perClassSection(evaluation: EvalReport): string {
  const chart = barChart(
    evaluation.perClass.map((c) => ({ label: c.label, value: c.accuracy })),
    { yLabel: 'accuracy', xLabel: 'class', yMax: 1, title: 'per-class accuracy' },
  );
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : 'n/a');
  const rows = evaluation.perClass.map(
    (c) => `<tr><td>${text(c.label)}</td><td class="num">${f(c.accuracy)}</td><td class="num">${f(c.precision)}</td><td class="num">${f(c.recall)}</td><td class="num">${c.support}</td></tr>`,
  );
  return (
    `<section id="per-class"><h2>Per class</h2><div class="charts"><figure>${chart}<figcaption>A class's accuracy is its recall: the share of its images predicted as it.</figcaption></figure>` +
    `<table><thead><tr><th>class</th><th class="num">accuracy</th><th class="num">precision</th><th class="num">recall</th><th class="num">support</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div></section>`
  );
}

function mistakesSection({ mistakes, evaluation }: ReportData): string {
  const labels = evaluation.perClass.map((c) => c.label);
  const name = (k: number) => text(labels[k] ?? k);
  const heading = `<h2>Most confident mistakes</h2>`;
  if (mistakes.length === 0) return `<section id="mistakes">${heading}<p class="note">No test image was misclassified.</p></section>`;
  const items = mistakes.map(
    (m) =>
      `<li class="mistake" data-index="${m.index}" data-label="${m.label}" data-predicted="${m.predicted}">` +
      `<img src="${m.src}" alt="test image ${m.index}"><br>true <b>${name(m.label)}</b>, predicted <b>${name(m.predicted)}</b> (${(m.probability * 100).toFixed(1)}%)</li>`,
  );
  return `<section id="mistakes">${heading}<p class="note">The ${mistakes.length} misclassified test images the model was surest of, with the predicted class's probability.</p><ul class="gallery">${items.join('')}</ul></section>`;
}
