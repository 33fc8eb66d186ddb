// Importing the package's entry loads no TensorFlow.js (nor any runtime): the engines, tfjs backends and
// forward pass import theirs on first use, so `mnist eval --model` and ONNX-only users never pay for it.
// Runs the built entry in a fresh Node with a resolve hook that logs every module URL.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const repoRoot = dirname(dirname(packageDir));
const work = mkdtempSync(join(tmpdir(), 'trainer-entry-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HOOKS = `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(log, resolved.url + '\\n');
  return resolved;
}
`;

/** Every module (ESM resolved through the hook, CommonJS from require.cache) that importing `file` loads. */
function modulesLoadedBy(file: string, name: string): string[] {
  const log = join(work, `${name}.log`);
  writeFileSync(log, '');
  writeFileSync(join(work, 'hooks.mjs'), HOOKS);
  writeFileSync(
    join(work, 'register.mjs'),
    `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url, { data: { log: ${JSON.stringify(log)} } });\n`,
  );
  const script = `import { createRequire } from 'node:module';
await import(${JSON.stringify(pathToFileURL(file).href)});
process.stdout.write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
  const cjs = execFileSync(process.execPath, ['--import', pathToFileURL(join(work, 'register.mjs')).href, '--input-type=module', '-e', script], {
    cwd: work,
    encoding: 'utf8',
  });
  return [...readFileSync(log, 'utf8').split('\n').filter(Boolean), ...(JSON.parse(cjs) as string[])];
}

const tfjs = (urls: string[]) => urls.filter((u) => /[\\/]@tensorflow[\\/]/.test(u));

describe('importing @mnist/trainer', () => {
  beforeAll(() => {
    // The test runs the built entry: build it (a no-op when dist is current).
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', packageDir], { stdio: 'inherit' });
  }, 300_000);

  it('loads no @tensorflow module, nor onnxruntime-node', () => {
    const loaded = modulesLoadedBy(join(packageDir, 'dist', 'index.js'), 'entry');
    expect(loaded.some((u) => u.endsWith('/dist/forward-pass.js'))).toBe(true);
    expect(tfjs(loaded)).toEqual([]);
    expect(loaded.filter((u) => u.includes('onnxruntime-node'))).toEqual([]);
  });

  it('the probe sees TensorFlow.js when a module does load it (the tfjs engine)', () => {
    expect(tfjs(modulesLoadedBy(join(packageDir, 'dist', 'tfjs', 'tfjs-engine.js'), 'engine'))).not.toEqual([]);
  });
});
