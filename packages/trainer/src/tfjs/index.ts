// The tfjs engine's public pieces.
export * from './activation.js';
export * from './backends.js';
export * from './dense.js';
export * from './dnn.js';
export * from './dropout.js';
export * from './loss.js';
export * from './optimizer.js';
export * from './tfjs-engine.js';
