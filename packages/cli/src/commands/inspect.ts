// `mnist inspect FILE`: what an ONNX model declares: inputs, outputs, opset, IR version, producer and
// metadata; and what the classifier makes of it (layout, output kind, classes, labels, preprocessing),
// or in one line why it would refuse it. The file is read as the SDK loads models: its size checked
// against the model ceiling first.
import type { ModelSignature } from '@mnist/core';
import type { OnnxModelSummary, OnnxValueSummary } from '@mnist/export';
import type { Command } from 'commander';
import { printResult, type CliIo } from '../cli-io.js';
import { oneLineMessage } from '../errors.js';
import { loadClassifier } from '../load-classifier.js';
import { addModelLoadOptions, jsonOption, modelLoadOptions, type ModelLoadFlags } from '../options.js';

interface InspectFlags extends ModelLoadFlags {
  json?: boolean;
}

/** The part of a model's summary `inspect` shows: its interface and header, not its weights. */
interface ModelDescription {
  file: string;
  irVersion: number;
  opset: number | undefined;
  opsetImports: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString: string;
  graphName: string;
  inputs: OnnxValueSummary[];
  outputs: OnnxValueSummary[];
  nodes: number;
  initializers: number;
  parameters: number;
  metadata: Record<string, string>;
  /** What the classifier detected, when it loads the model. */
  classifier?: ModelSignature;
  /** Why the classifier refuses the model, when it does: inspect describes, it does not judge. */
  classifierError?: string;
}

/** Adds the argument, flags and action of `mnist inspect` to `command`. */
export function configure(command: Command, io: CliIo): void {
  addModelLoadOptions(command.argument('<file>', 'ONNX model file'))
    .addOption(jsonOption())
    .action(async (file: string, _options: unknown, cmd: Command) => {
      const flags = cmd.opts<InspectFlags>();
      const [{ readOnnx }, { readModelFile }] = await Promise.all([import('@mnist/export'), import('@mnist/infer-node')]);
      // A file that is no ONNX model at all (or over the size ceiling) fails here, as before.
      const description = describe(file, readOnnx(await readModelFile(file), file));
      Object.assign(description, await detect(file, flags));
      printResult(io, flags.json, description, humanLines(description));
    });
}

// Loads the model as `eval --model` would (onnxruntime-node) to report what it detects, or why not.
async function detect(file: string, flags: InspectFlags): Promise<Pick<ModelDescription, 'classifier' | 'classifierError'>> {
  let classifier;
  try {
    classifier = await loadClassifier(file, 'node', modelLoadOptions(flags));
  } catch (error) {
    return { classifierError: oneLineMessage(error) };
  }
  try {
    return { classifier: classifier.signature };
  } finally {
    await classifier.dispose();
  }
}

function describe(file: string, s: OnnxModelSummary): ModelDescription {
  return {
    file,
    irVersion: s.irVersion,
    opset: s.opset,
    opsetImports: s.opsetImports,
    producerName: s.producerName,
    producerVersion: s.producerVersion,
    docString: s.docString,
    graphName: s.graphName,
    inputs: s.inputs,
    outputs: s.outputs,
    nodes: s.nodes.length,
    initializers: s.initializers.length,
    parameters: s.initializers.reduce((n, t) => n + t.values.length, 0),
    metadata: s.metadata,
  };
}

function humanLines(d: ModelDescription): string[] {
  const value = (v: OnnxValueSummary): string => `  ${v.name}: ${v.dtype} [${v.dims.join(', ')}]`;
  const opsets = d.opsetImports.map((o) => `${o.domain === '' ? 'ai.onnx' : o.domain} ${o.version}`).join(', ');
  return [
    `File:       ${d.file}`,
    `Producer:   ${d.producerName} ${d.producerVersion}`.trimEnd(),
    `IR version: ${d.irVersion}`,
    `Opset:      ${opsets}`,
    ...(d.docString ? [`Doc:        ${d.docString}`] : []),
    `Graph:      ${d.graphName} (${d.nodes} nodes, ${d.initializers} initializers, ${d.parameters} parameters)`,
    'Inputs:',
    ...d.inputs.map(value),
    'Outputs:',
    ...d.outputs.map(value),
    'Metadata:',
    ...Object.entries(d.metadata).map(([k, v]) => `  ${k}: ${v}`),
    ...(d.classifier ? classifierLines(d.classifier) : [`Classifier: refused: ${d.classifierError ?? 'unknown reason'}`]),
  ];
}

function classifierLines(s: ModelSignature): string[] {
  const contract = s.contract === 'sdk' ? 'this SDK\'s export' : 'a foreign model';
  const batch = s.input.fixedBatch === undefined ? '' : `, fixed batch ${s.input.fixedBatch}`;
  const scale = Math.abs(s.preprocessing.pixelScale - 1 / 255) < 1e-12 ? 'pixel / 255' : `pixel * ${s.preprocessing.pixelScale}`;
  const n = s.preprocessing.normalization;
  const pre = n ? `(${scale} - ${n.mean}) / ${n.std}` : scale;
  return [
    `Classifier: ${contract}`,
    `  Input:         ${s.input.name} [${s.input.shape.join(', ')}], layout ${s.input.layout}${batch}`,
    `  Output:        ${s.output.name}, ${s.output.classes} classes of ${s.output.kind} (detected by ${s.output.detectedBy})`,
    `  Labels:        ${s.labels.join(',')} (from ${s.labelsFrom})`,
    `  Preprocessing: ${pre} (from ${s.preprocessing.from})`,
  ];
}
