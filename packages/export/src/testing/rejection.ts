// Test support: the error a promise rejects with, so a test can check its class and message together.

/**
 * Awaits `promise` and returns the Error it rejects with; throws when it resolves instead.
 * @example expect((await rejection(MnistClassifier.load('missing.onnx'))).message).toMatch(/^missing\.onnx: /);
 */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`expected the promise to reject with an Error, it rejected with ${String(error)}`, { cause: error });
  }
  throw new Error('expected the promise to reject, it resolved');
}
