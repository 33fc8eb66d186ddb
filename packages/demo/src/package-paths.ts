// Where the demo's own files and the workspace packages it bundles live on disk.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The @mnist/demo package directory: one level above src/ (tests) or dist/ (compiled). */
export const DEMO_PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Where `buildDemo` puts the built page by default. */
export const DEFAULT_PAGE_DIR = join(DEMO_PACKAGE_DIR, 'dist', 'page');

/**
 * The directory of an installed package, found through node_modules from `from` upwards (workspace
 * packages are symlinks there), or undefined.
 * @example packageDir('@mnist/infer-web') // '.../packages/infer-web'
 */
export function packageDir(name: string, from: string = DEMO_PACKAGE_DIR): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}
