// Entry point of the `mnist` executable: run, then exit with the command's code once stdout is flushed
// (an ONNX Runtime or TensorFlow.js thread pool must not keep a finished command alive).
import { runCli } from './run-cli.js';

const code = await runCli(process.argv.slice(2));
process.stdout.write('', () => process.exit(code));
