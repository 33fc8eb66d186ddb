// The drawing pad: pointer events (mouse, pen, touch) draw round black strokes on a white canvas.

export interface DrawingPad {
  /** Wipes the pad back to white. */
  clear(): void;
  /** True once something has been drawn since the last clear. */
  readonly hasInk: boolean;
  /** The pad's pixels, for the classifier. */
  imageData(): ImageData;
}

/**
 * Lets the user draw on `canvas`; `onChange` runs after every stroke segment (for live predictions)
 * and when a stroke ends.
 * @example const pad = attachDrawingPad(document.querySelector('canvas')!, () => schedulePrediction());
 */
export function attachDrawingPad(canvas: HTMLCanvasElement, onChange: () => void): DrawingPad {
  // willReadFrequently: the page reads the pixels back after every move, which is slow on a GPU canvas.
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('the drawing pad needs a 2d canvas context');
  // A stroke about as thick, relative to the pad, as MNIST's pen is relative to its 28x28 field.
  const lineWidth = canvas.width / 14;
  let hasInk = false;
  let last: { x: number; y: number } | undefined;

  const clear = (): void => {
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    hasInk = false;
  };

  // Pointer positions in canvas pixels, whatever size CSS gives the canvas.
  const point = (event: PointerEvent): { x: number; y: number } => {
    const box = canvas.getBoundingClientRect();
    return { x: ((event.clientX - box.left) * canvas.width) / box.width, y: ((event.clientY - box.top) * canvas.height) / box.height };
  };

  const segment = (from: { x: number; y: number }, to: { x: number; y: number }): void => {
    context.strokeStyle = '#000';
    context.lineWidth = lineWidth;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
    hasInk = true;
  };

  // A zero-length line draws nothing in some browsers, so a tap is a filled disc.
  const dot = (at: { x: number; y: number }): void => {
    context.fillStyle = '#000';
    context.beginPath();
    context.arc(at.x, at.y, lineWidth / 2, 0, 2 * Math.PI);
    context.fill();
    hasInk = true;
  };

  canvas.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    last = point(event);
    dot(last);
    onChange();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!last) return;
    const next = point(event);
    segment(last, next);
    last = next;
    onChange();
  });
  const end = (): void => {
    if (!last) return;
    last = undefined;
    onChange();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  clear();
  return {
    clear,
    get hasInk() {
      return hasInk;
    },
    imageData: () => context.getImageData(0, 0, canvas.width, canvas.height),
  };
}
