// Builds the lockstep runner's addon (native/lockstep.cc) into dist/native/lockstep.node.
//
// The addon drives the libonnxruntime.so.1 that onnxruntime-node ships, through ONNX Runtime's C API, whose
// headers onnxruntime-node does not ship. The one npm package that does is the Unity plugin below (ONNX
// Runtime 1.29's headers, C API version 29, which the 1.30 library serves); its tarball is fetched once,
// checked against the integrity pinned here, and only the headers are kept (native/ort-include, ignored by
// git).
//
// Without a compiler or the registry the build goes on without the addon and says so in one line; the
// onnx engine then trains on one core. With MNIST_REQUIRE_SYSTEM_DEPS=1 (CI) a missing addon fails the build.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HEADERS_PACKAGE = 'com.github.asus4.onnxruntime@0.4.9';
const HEADERS_INTEGRITY = 'sha512-BkzxduSZ9IkeDP6Q8lz2TFU2ie7hSSvS7ZIfzMooExoq0CNzJnuuGaUJ7IsojBgqO4ouD1jXah8OYyJbCN29Fg==';
const HEADERS_IN_TARBALL = 'package/Plugins/iOS~/onnxruntime.xcframework/ios-arm64/onnxruntime.framework/Headers';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const native = join(root, 'native');
const headers = join(native, 'ort-include');
const target = join(root, 'dist', 'native', 'lockstep.node');

try {
  if (process.platform !== 'linux') throw new Error(`the lockstep runner is built for Linux only, not ${process.platform}`);
  if (!existsSync(join(headers, 'onnxruntime_cxx_api.h'))) fetchHeaders();
  compile();
  console.log(`lockstep runner built: ${join('dist', 'native', 'lockstep.node')}`);
} catch (error) {
  rmSync(target, { force: true });
  const reason = String(error instanceof Error ? error.message : error).split('\n')[0];
  if (process.env.MNIST_REQUIRE_SYSTEM_DEPS === '1') {
    console.error(`build-native: the lockstep runner could not be built: ${reason}`);
    process.exit(1);
  }
  console.warn(`build-native: lockstep runner not built (${reason}); the onnx engine will train on one core`);
}

function fetchHeaders() {
  // Beside its destination, so that the headers move there by a rename on the same file system.
  const scratch = mkdtempSync(join(native, '.ort-headers-'));
  try {
    const [packed] = JSON.parse(run('npm', ['pack', HEADERS_PACKAGE, '--json', '--pack-destination', scratch], { cwd: scratch }));
    if (packed.integrity !== HEADERS_INTEGRITY) throw new Error(`${HEADERS_PACKAGE} has integrity ${packed.integrity}, expected ${HEADERS_INTEGRITY}`);
    run('tar', ['-xzf', join(scratch, packed.filename), '-C', scratch, '--wildcards', `${HEADERS_IN_TARBALL}/*`]);
    rmSync(headers, { recursive: true, force: true });
    renameSync(join(scratch, HEADERS_IN_TARBALL), headers);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function compile() {
  const nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  // Node's own headers sit beside its binary (<prefix>/include/node); pointing node-gyp there keeps it offline.
  const prefix = join(dirname(process.execPath), '..');
  if (!existsSync(join(prefix, 'include', 'node', 'node_api.h'))) throw new Error(`no Node.js headers under ${join(prefix, 'include', 'node')}`);
  run(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${prefix}`, '--', `-Dort_include=${headers}`], { cwd: native });
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(native, 'build', 'Release', 'lockstep.node'), target);
}

function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
  } catch (error) {
    const stderr = String(error.stderr ?? '').split('\n').find((line) => /error/i.test(line)) ?? error.message;
    throw new Error(`${command} ${args[0]} failed: ${stderr.trim()}`, { cause: error });
  }
}
