import { mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

// Tests import the modules they test, not the entry: the setup file registers the shipped engines as
// importing `@mnist/trainer` does, so train, DNNClassifier and tune find them, and the Node platform and runtimes.
export default mergeConfig(sharedConfig, { test: { setupFiles: ['./src/register-engines.ts', './src/platform/register-node.ts'] } });
