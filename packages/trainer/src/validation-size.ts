// The check of a validation set's size against the training set it is cut from, as an error the CLI
// can turn into its flag's message (it knows the range only once the data is read).

/** `validationSize` leaves no training image: carries both sizes so a caller can name its own flag. */
export class ValidationSizeError extends RangeError {
  constructor(
    /** The validation size asked for. */
    readonly validationSize: number,
    /** The training images it would be cut from. */
    readonly trainingImages: number,
  ) {
    super(`validationSize must be an integer in [1, ${trainingImages - 1}] (fewer than the ${trainingImages} training images), got ${validationSize}`);
    this.name = 'ValidationSizeError';
  }
}

/**
 * Throws a {@link ValidationSizeError} unless `validationSize` leaves at least one of `trainingImages`
 * for training (the validation set is the leading images, as the chapter's 5000 of 60000).
 * @example checkValidationSize(5000, 60000); // ok; checkValidationSize(5000, 1000) throws
 */
export function checkValidationSize(validationSize: number, trainingImages: number): void {
  if (!Number.isInteger(validationSize) || validationSize < 1 || validationSize >= trainingImages) {
    throw new ValidationSizeError(validationSize, trainingImages);
  }
}
