// The Node entry's registrations, on import (as tfjs-core's platform_node): the native runtimes and the
// platform of files on disk. Importing `@mnist/trainer` runs this; tests get it from the vitest setup.
import './register-node-runtimes.js';
import { nodePlatform } from './node-platform.js';
import { setPlatform } from './platform.js';

setPlatform(nodePlatform);
