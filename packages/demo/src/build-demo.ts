// Builds the demo page with Vite, programmatically, and skips the build when nothing it is made of
// has changed since the last one (a content hash of its inputs is kept beside the output).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { DEFAULT_PAGE_DIR, DEMO_PACKAGE_DIR, packageDir } from './package-paths.js';

/** The workspace packages the pages bundle (from their sources): the drawing page's, and the training page's. */
export const DEMO_WORKSPACE_PACKAGES = Object.freeze(['@mnist/infer-web', '@mnist/core', '@mnist/trainer', '@mnist/export', '@mnist/charts']);

/** Written into the output directory; holds the hash of the inputs it was built from. */
export const BUILD_STAMP = '.demo-build.json';

export interface BuildDemoOptions {
  /** Output directory. Default: dist/page inside the @mnist/demo package. */
  outDir?: string;
  /** Build even when the output is up to date. */
  force?: boolean;
}

/**
 * Builds the page (page/ -> dist/page/) unless it is up to date, and returns the output directory,
 * which holds index.html, assets/, and ort/ with ONNX Runtime Web's wasm runtime.
 * @example const dir = await buildDemo(); // '.../packages/demo/dist/page'
 */
export async function buildDemo(options: BuildDemoOptions = {}): Promise<string> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const outDir = options.outDir ?? DEFAULT_PAGE_DIR;
  if (typeof outDir !== 'string' || outDir === '') throw new TypeError('options.outDir must be a non-empty path');
  const inputs = demoInputsHash();
  if (!options.force && readStamp(outDir) === inputs) return outDir;

  // Build beside the target and swap it in, so a server reading the old page never sees half a build.
  const staging = `${outDir}.building-${process.pid}`;
  const { build } = await import('vite');
  try {
    await build({ configFile: join(DEMO_PACKAGE_DIR, 'vite.config.ts'), build: { outDir: staging, emptyOutDir: true } });
    writeFileSync(join(staging, BUILD_STAMP), `${JSON.stringify({ inputs }, null, 2)}\n`);
    const old = `${outDir}.old-${process.pid}`;
    try {
      if (existsSync(outDir)) renameSync(outDir, old);
      renameSync(staging, outDir);
    } catch (error) {
      // Another process swapped in the same build meanwhile: theirs is as good as ours.
      if (readStamp(outDir) !== inputs) throw error;
    }
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return outDir;
}

/**
 * A hash of everything the pages are built from: page/, the Vite config, the sources of the workspace
 * packages they bundle (DEMO_WORKSPACE_PACKAGES), and the onnxruntime-web version.
 * @example demoInputsHash() // 'c0ffee...'
 */
export function demoInputsHash(): string {
  const hash = createHash('sha256');
  const add = (file: string, root: string): void => {
    hash.update(`${relative(root, file)}\0`);
    hash.update(readFileSync(file));
    hash.update('\0');
  };
  add(join(DEMO_PACKAGE_DIR, 'vite.config.ts'), DEMO_PACKAGE_DIR);
  for (const file of filesUnder(join(DEMO_PACKAGE_DIR, 'page'))) add(file, DEMO_PACKAGE_DIR);
  for (const name of DEMO_WORKSPACE_PACKAGES) {
    const dir = packageDir(name);
    if (!dir) throw new Error(`${name} is not installed; the demo page is built from it`);
    add(join(dir, 'package.json'), dirname(dir));
    for (const file of filesUnder(join(dir, 'src')).filter((f) => !/\.test\.ts$|\.fixture\.ts$/.test(f))) add(file, dirname(dir));
  }
  const ort = packageDir('onnxruntime-web');
  if (!ort) throw new Error('onnxruntime-web is not installed; the demo page is built from it');
  add(join(ort, 'package.json'), dirname(ort));
  return hash.digest('hex');
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

function readStamp(outDir: string): string | undefined {
  const file = join(outDir, BUILD_STAMP);
  try {
    if (!statSync(join(outDir, 'index.html')).isFile()) return undefined;
    const stamp = JSON.parse(readFileSync(file, 'utf8')) as { inputs?: unknown };
    return typeof stamp.inputs === 'string' ? stamp.inputs : undefined;
  } catch {
    return undefined;
  }
}
