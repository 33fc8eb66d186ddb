// The onnx training engine: SGD steps as ONNX graphs on onnxruntime-node or onnxruntime-web.
export * from './block-plan.js';
export * from './ort-runtime.js';
export * from './onnx-engine.js';
