// The error policy: one line, the path first for system errors, the stack only when verbose.
import { describe, expect, it } from 'vitest';
import { capturedStream as capture } from './captured-stream.fixture.js';
import { oneLineMessage, reportError } from './errors.js';

describe('oneLineMessage', () => {
  it('folds multi-line messages into one line', () => {
    expect(oneLineMessage(new Error('Load model failed:\n  bad protobuf\n'))).toBe('Load model failed: bad protobuf');
  });
  it("drops commander's `error:` prefix", () => {
    expect(oneLineMessage(new Error("error: unknown option '--foo'"))).toBe("unknown option '--foo'");
  });
  it('puts the path of a system error first', () => {
    const e = Object.assign(new Error("ENOENT: no such file or directory, open 'x/model.json'"), { code: 'ENOENT', path: 'x/model.json' });
    expect(oneLineMessage(e)).toBe('x/model.json: no such file or directory');
  });
  it('handles thrown non-errors', () => {
    expect(oneLineMessage('plain string')).toBe('plain string');
  });
});

describe('reportError', () => {
  it('writes one line without verbose', () => {
    const out = capture();
    reportError(new RangeError('opset must be an integer from 13 to 26, got 5'), out.stream, false);
    expect(out.text()).toBe('mnist: opset must be an integer from 13 to 26, got 5\n');
  });
  it('adds the stack with verbose', () => {
    const out = capture();
    reportError(new Error('boom'), out.stream, true);
    expect(out.text().split('\n')[0]).toBe('mnist: boom');
    expect(out.text()).toContain('errors.test.ts');
  });
});
