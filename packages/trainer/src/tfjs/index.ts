// The tfjs engine's public pieces.
export * from './activation.js';
export * from './backends.js';
export * from './conv2d.js';
export * from './convnet.js';
export * from './dense.js';
export * from './dnn.js';
export * from './dropout.js';
export * from './flatten.js';
export * from './kernel-layout.js';
export * from './loss.js';
export * from './max-pool.js';
export * from './network.js';
export * from './optimizer.js';
export * from './tfjs-engine.js';
