// The training feedback: plain log lines off a terminal, a bar that gives way to log lines on one.
import { describe, expect, it } from 'vitest';
import { capturedStream } from './captured-stream.fixture.js';
import { trainingProgress } from './training-progress.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WritableStream; text: () => string } {
  const captured = capturedStream();
  Object.assign(captured.stream, { isTTY, columns: 100 });
  return captured;
}

describe('trainingProgress', () => {
  it('writes only log lines when the bar is off', () => {
    const out = fakeStream(false);
    const p = trainingProgress(out.stream, false);
    p.progress(1, 10, 0);
    p.log('epoch 1/30: loss 0.3000, last-batch accuracy 0.9000');
    p.stop();
    expect(out.text()).toBe('epoch 1/30: loss 0.3000, last-batch accuracy 0.9000\n');
  });

  it('draws a bar on a terminal and clears it before each log line', () => {
    const out = fakeStream(true);
    const p = trainingProgress(out.stream, true, 30);
    for (let done = 0; done <= 10; done++) p.progress(done, 10, 3);
    p.log('epoch 4/30: loss 0.3000, last-batch accuracy 0.9000');
    p.stop();
    const text = out.text();
    // The trainer's 0-based epoch 3 is the fourth of 30.
    expect(text).toContain('epoch 4/30 [');
    expect(text).toContain('/10 batches');
    // The log line starts after the bar was erased, and ends the output.
    expect(text.endsWith('epoch 4/30: loss 0.3000, last-batch accuracy 0.9000\n')).toBe(true);
  });

  it('shows the epoch 1-based alone when the budget is unknown', () => {
    const out = fakeStream(true);
    const p = trainingProgress(out.stream, true);
    p.progress(1, 10, 0);
    p.stop();
    expect(out.text()).toContain('epoch 1 [');
  });
});
