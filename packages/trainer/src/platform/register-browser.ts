// Registers the browser platform on import (as tfjs-core's platform_browser does): the browser entry's
// side effect. onnxruntime-web needs no registration: it is the runtime every platform has.
import { browserPlatform } from './browser-platform.js';
import { setPlatform } from './platform.js';

setPlatform(browserPlatform);
