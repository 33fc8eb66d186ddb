/**
 * @mnist/demo: the digit-drawing demo page on @mnist/infer-web (page/), `buildDemo` to build it with
 * Vite and `serveDemo` to serve it with a model, as `mnist demo` does.
 */
export * from './build-demo.js';
export * from './serve-demo.js';
export { DEFAULT_PAGE_DIR, DEMO_PACKAGE_DIR } from './package-paths.js';
