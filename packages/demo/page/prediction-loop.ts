// Classifies what is on the pad, one prediction in flight at a time: strokes that arrive meanwhile are
// folded into one more run. The pad's data-predicting attribute says whether the shown prediction is
// final (the pages' tests wait on it). Both pages (drawing and training) use it.
import type { MnistClassifier } from '@mnist/infer-web';
import type { DrawingPad } from './drawing-pad.js';

type ImagePrediction = Awaited<ReturnType<MnistClassifier['predictImage']>>;

/** What a page does with a result or a failure. */
export interface PredictionHandlers {
  show(result: ImagePrediction): void;
  fail(error: unknown): void;
}

/**
 * Returns the function to call after each stroke (and when a model arrives).
 * @example const schedule = predictionLoop(pad, drawing, () => classifier, { show, fail });
 */
export function predictionLoop(
  pad: HTMLCanvasElement,
  drawing: Pick<DrawingPad, 'hasInk' | 'imageData'>,
  classifier: () => MnistClassifier | undefined,
  handlers: PredictionHandlers,
): () => void {
  let running = false;
  let pending = false;
  const schedule = (): void => {
    if (!classifier() || !drawing.hasInk) return;
    if (running) {
      pending = true;
      return;
    }
    running = true;
    pad.dataset.predicting = 'true';
    requestAnimationFrame(() => void predict());
  };
  const predict = async (): Promise<void> => {
    try {
      const current = classifier();
      if (current && drawing.hasInk) handlers.show(await current.predictImage(drawing.imageData()));
    } catch (error) {
      handlers.fail(error);
    } finally {
      running = false;
      if (pending) {
        pending = false;
        schedule();
      }
      if (!running) pad.dataset.predicting = 'false';
    }
  };
  return schedule;
}
