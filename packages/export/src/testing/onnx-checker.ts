// The independent ONNX checker for tests: the `onnx` Python package's check_model(full_check=True),
// run on a file, or a clear skip when it is not installed (a failure under MNIST_REQUIRE_SYSTEM_DEPS=1).
import { spawnSync } from 'node:child_process';

/** What the checker said: `ok` with the onnx version, or the reason it could not run. */
export type OnnxCheckResult = { ran: true; ok: boolean; output: string } | { ran: false; reason: string };

/** A Python interpreter that can `import onnx`: $MNIST_PYTHON, `python3` on PATH, or Debian's own. */
export function pythonWithOnnx(): string | undefined {
  // A pyenv or venv python3 may shadow the Debian interpreter that python3-onnx installs into.
  const candidates = [process.env.MNIST_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  return candidates.find((python) => spawnSync(python, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0);
}

/**
 * Runs `onnx.checker.check_model(onnx.load(file), full_check=True)`. Throws when the checker is missing
 * and MNIST_REQUIRE_SYSTEM_DEPS=1 (CI), so a missing install can never pass as a skip there.
 * @example const r = checkOnnxFile('model.onnx'); if (r.ran) expect(r.ok, r.output).toBe(true);
 */
export function checkOnnxFile(file: string): OnnxCheckResult {
  const python = pythonWithOnnx();
  if (!python) {
    const reason = 'python3 with the onnx package is not installed (Debian: apt-get install -y python3-onnx)';
    if (process.env.MNIST_REQUIRE_SYSTEM_DEPS === '1') throw new Error(`${reason}; MNIST_REQUIRE_SYSTEM_DEPS=1 requires it`);
    return { ran: false, reason };
  }
  const script = [
    'import sys, onnx',
    'm = onnx.load(sys.argv[1])',
    'onnx.checker.check_model(m, full_check=True)',
    'print("ok", onnx.__version__, m.ir_version, m.opset_import[0].version)',
  ].join('\n');
  const result = spawnSync(python, ['-c', script, file], { encoding: 'utf8' });
  return { ran: true, ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}
