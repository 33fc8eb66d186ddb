// The validation size check: at least one training image must remain, and the error carries both sizes.
import { describe, expect, it } from 'vitest';
import { checkValidationSize, ValidationSizeError } from './validation-size.js';

describe('checkValidationSize', () => {
  it('takes 1 to count - 1', () => {
    expect(() => checkValidationSize(1, 2)).not.toThrow();
    expect(() => checkValidationSize(5000, 60000)).not.toThrow();
    expect(() => checkValidationSize(999, 1000)).not.toThrow();
  });

  it.each([[1000, 1000], [5000, 1000], [0, 1000], [1.5, 1000], [1, 1]])('refuses %d of %d with both sizes on the error', (size, count) => {
    let error: unknown;
    try {
      checkValidationSize(size, count);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationSizeError);
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toMatchObject({ validationSize: size, trainingImages: count });
  });

  it('says the range in its message', () => {
    expect(() => checkValidationSize(5000, 1000)).toThrow('validationSize must be an integer in [1, 999] (fewer than the 1000 training images), got 5000');
  });
});
