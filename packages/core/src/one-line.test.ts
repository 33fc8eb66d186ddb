// oneLine: text and thrown values folded to one line, or cut to their first line, and cut to a length.
import { describe, expect, it } from 'vitest';
import { oneLine } from './one-line.js';

describe('oneLine', () => {
  it('keeps text without a line break exactly, spaces included', () => {
    expect(oneLine('  two  spaces\t')).toBe('  two  spaces\t');
  });

  it('folds every line break (\\n, \\r\\n, \\r), trimming the lines and dropping the empty ones', () => {
    expect(oneLine('Load model failed:\r\n  bad protobuf\n\n  at frame 1\r')).toBe('Load model failed: bad protobuf at frame 1');
    expect(oneLine('\n \n')).toBe('');
  });

  it("takes an Error's or any object's message, and String() of anything else", () => {
    expect(oneLine(new RangeError('opset must be\n7..26'))).toBe('opset must be 7..26');
    expect(oneLine({ message: 'from another realm\nstack' })).toBe('from another realm stack');
    expect(oneLine(42)).toBe('42');
    expect(oneLine(null)).toBe('null');
    expect(oneLine(undefined)).toBe('undefined');
  });

  it('keeps only the first non-empty line, trimmed, with firstLine', () => {
    const error = new Error("\n  Cannot find module 'addon.node'  \nRequire stack:\n- /a/b.js");
    expect(oneLine(error, { firstLine: true })).toBe("Cannot find module 'addon.node'");
    expect(oneLine('  one line  ', { firstLine: true })).toBe('one line');
    expect(oneLine('\n\n', { firstLine: true })).toBe('');
  });

  it('cuts the folded text to maxLength, never through a surrogate pair', () => {
    expect(oneLine(`${'a'.repeat(150)}\n${'b'.repeat(150)}`, { maxLength: 200 })).toBe(`${'a'.repeat(150)} ${'b'.repeat(49)}`);
    expect(oneLine('short', { maxLength: 200 })).toBe('short');
    expect(oneLine('ab😀c', { maxLength: 3 })).toBe('ab');
    expect(oneLine('ab😀c', { maxLength: 4 })).toBe('ab😀');
    expect(oneLine('first\nsecond', { firstLine: true, maxLength: 3 })).toBe('fir');
  });
});
