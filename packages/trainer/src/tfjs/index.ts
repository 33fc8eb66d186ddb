// The tfjs engine's public pieces.
export * from './backends.js';
export * from './dense.js';
export * from './dnn.js';
export * from './loss.js';
export * from './tfjs-engine.js';
