// window.__mnist: the page's SDK handle for end-to-end tests and the browser benchmark, which pass
// MNIST images in and compare the answers with onnxruntime-node's.
import type { MnistClassifier } from '@mnist/infer-web';
import type { RuntimeChoice } from './runtime-choice.js';

/** Plain arrays, so answers cross page.evaluate unchanged. */
export interface HookPrediction {
  classes: number[];
  probabilities: number[];
  logits: number[];
}

export interface MnistPageHook {
  /** Settles when the model has loaded (resolves) or failed (rejects with the shown message). */
  ready: Promise<void>;
  classifier?: MnistClassifier;
  runtime?: RuntimeChoice & { threads: number };
  /** Classifies N raw MNIST images (N*784 bytes, 0-255) with the page's classifier. */
  predict(pixels: ArrayLike<number>): Promise<HookPrediction>;
}

declare global {
  interface Window {
    __mnist?: MnistPageHook;
  }
}

/**
 * Creates the hook around a classifier that is still loading.
 * @example window.__mnist = pageHook(loading, () => classifier);
 */
export function pageHook(loading: Promise<unknown>, current: () => MnistClassifier | undefined): MnistPageHook {
  const ready = loading.then(() => undefined);
  // The page shows load errors itself; the hook's own rejection must not count as unhandled.
  ready.catch(() => undefined);
  return {
    ready,
    async predict(pixels) {
      await ready;
      const classifier = current();
      if (!classifier) throw new Error('the page has no classifier');
      const { classes, probabilities, logits } = await classifier.predict(Uint8Array.from(pixels), { logits: true });
      return { classes: [...classes], probabilities: [...probabilities], logits: [...(logits ?? [])] };
    },
  };
}
