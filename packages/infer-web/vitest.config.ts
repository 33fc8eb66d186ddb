import { mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

// Tests import the package's modules directly, not through an entry: the setup file selects the
// onnxruntime-web build as the main entry does.
export default mergeConfig(sharedConfig, { test: { setupFiles: ['./src/node-build.ts'] } });
