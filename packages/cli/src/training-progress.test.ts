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
    p.log('0 Batch accuracy: 0.9 Validation accuracy: 0.91');
    p.stop();
    expect(out.text()).toBe('0 Batch accuracy: 0.9 Validation accuracy: 0.91\n');
  });

  it('draws a bar on a terminal and clears it before each log line', () => {
    const out = fakeStream(true);
    const p = trainingProgress(out.stream, true);
    for (let done = 0; done <= 10; done++) p.progress(done, 10, 3);
    p.log('3 Batch accuracy: 0.9 Validation accuracy: 0.91');
    p.stop();
    const text = out.text();
    expect(text).toContain('epoch 3 [');
    expect(text).toContain('/10 batches');
    // The log line starts after the bar was erased, and ends the output.
    expect(text.endsWith('3 Batch accuracy: 0.9 Validation accuracy: 0.91\n')).toBe(true);
  });
});
