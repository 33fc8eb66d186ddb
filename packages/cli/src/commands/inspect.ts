// `mnist inspect FILE`: what an ONNX model declares: inputs, outputs, opset, IR version, producer and
// metadata. The file is read as the SDK loads models: its size checked against the model ceiling first.
import type { OnnxModelSummary, OnnxValueSummary } from '@mnist/export';
import type { Command } from 'commander';
import { printResult, type CliIo } from '../cli-io.js';
import { jsonOption } from '../options.js';

interface InspectFlags {
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
}

/** Adds the argument, flags and action of `mnist inspect` to `command`. */
export function configure(command: Command, io: CliIo): void {
  command
    .argument('<file>', 'ONNX model file')
    .addOption(jsonOption())
    .action(async (file: string, _options: unknown, cmd: Command) => {
      const flags = cmd.opts<InspectFlags>();
      const [{ readOnnx }, { readModelFile }] = await Promise.all([import('@mnist/export'), import('@mnist/infer-node')]);
      const description = describe(file, readOnnx(await readModelFile(file), file));
      printResult(io, flags.json, description, humanLines(description));
    });
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
  ];
}
