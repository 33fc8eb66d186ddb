// Test fixture: Debian's Chromium driven by playwright-core, or a clear reason why the browser tests
// cannot run (a failure instead of a skip when MNIST_REQUIRE_SYSTEM_DEPS=1, as in CI). Other packages'
// tests import it as @mnist/demo/testing/chromium (a source-only export: tests run from sources).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium package installs here; MNIST_CHROMIUM overrides it. */
export const CHROMIUM_PATH = process.env.MNIST_CHROMIUM || '/usr/bin/chromium';

/** Headless Chromium as it runs on these machines: no sandbox (root in a container), no GPU, nothing reaching the network on its own. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * What gives headless Chromium a WebGPU adapter here: SwiftShader's Vulkan on the CPU (slow, but the
 * WebGPU path runs). Only on a secure context (http://127.0.0.1 is one); without these, requestAdapter() gives null.
 */
export const CHROMIUM_WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'];

/** Options of `launchChromium`. */
export interface LaunchChromiumOptions {
  /** Launch with CHROMIUM_WEBGPU_ARGS (and without --disable-gpu), so pages get a SwiftShader WebGPU adapter. */
  webgpu?: boolean;
}

/**
 * Undefined when Chromium is there; else why the browser tests are skipped. Throws instead when
 * MNIST_REQUIRE_SYSTEM_DEPS=1.
 * @example const skipReason = chromiumSkipReason();
 */
export function chromiumSkipReason(tests = "the demo's browser tests"): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  const reason = `Chromium is not installed at ${CHROMIUM_PATH} (Debian: apt-get install -y chromium; or set MNIST_CHROMIUM)`;
  if (process.env.MNIST_REQUIRE_SYSTEM_DEPS === '1') throw new Error(`${reason}; MNIST_REQUIRE_SYSTEM_DEPS=1 requires it`);
  console.warn(`skipped: ${tests}: ${reason}`);
  return reason;
}

/**
 * Starts headless Chromium with a fresh profile; `{ webgpu: true }` gives its pages a WebGPU adapter.
 * @example const browser = await launchChromium(); try { ... } finally { await browser.close(); }
 * @example const browser = await launchChromium({ webgpu: true });
 */
export function launchChromium(options: LaunchChromiumOptions = {}): Promise<Browser> {
  const args = options.webgpu ? [...CHROMIUM_ARGS.filter((arg) => arg !== '--disable-gpu'), ...CHROMIUM_WEBGPU_ARGS] : CHROMIUM_ARGS;
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args });
}
