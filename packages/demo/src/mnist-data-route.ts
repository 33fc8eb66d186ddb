// The read-only route that gives the training page its MNIST: /data/mnist/<file>, only the four MNIST
// IDX names (raw or .gz) from one folder, so nothing else on the server's disk is reachable through it.
import { join } from 'node:path';

/** The URL prefix the training page fetches the dataset from (its HttpDatasetSource's datasetUrl). */
export const MNIST_DATA_PREFIX = '/data/mnist/';

/** The four MNIST IDX file names (as @mnist/trainer's data/mnist-files.ts names them). */
export const MNIST_DATA_FILES: readonly string[] = Object.freeze([
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
]);

const SERVED = new Set(MNIST_DATA_FILES.flatMap((name) => [name, `${name}.gz`]));

/**
 * The file in `dataDir` that a request for the decoded URL path `urlPath` (under /data/mnist/) names, or
 * undefined: any other name (a sub-folder, `..`, another file) is not served. Whether it exists is
 * the caller's stat.
 * @example mnistDataFile('/srv/mnist', '/data/mnist/t10k-labels-idx1-ubyte.gz') // '/srv/mnist/t10k-labels-idx1-ubyte.gz'
 */
export function mnistDataFile(dataDir: string, urlPath: string): string | undefined {
  if (!urlPath.startsWith(MNIST_DATA_PREFIX)) return undefined;
  const name = urlPath.slice(MNIST_DATA_PREFIX.length);
  // An exact name from the list: no separator, no dot segment, nothing to normalize.
  return SERVED.has(name) ? join(dataDir, name) : undefined;
}
