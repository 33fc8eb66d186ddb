/**
 * @mnist/trainer/internal: NOT FOR USERS. The pieces this repository's own CLI, benchmarks and
 * cross-package tests need beyond the public entry; they change without notice. Use `@mnist/trainer`.
 */
// Its engines, tfjs backends and train find the Node runtimes and platform as the entry's do.
import './platform/register-node.js';

export { writeFileAtomic } from './data/write-file-atomic.js';
export { ensureMnist } from './data/ensure-mnist.js';
export { initialWeights } from './initializers.js';
export { TfjsEngine } from './tfjs/tfjs-engine.js';
export { TFJS_BACKENDS } from './tfjs/backends.js';
