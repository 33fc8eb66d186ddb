// An error that carries the HTTP status the client should get; its message becomes {"error": message}.

/**
 * A client error (4xx) with a one-line message naming what was wrong with the request.
 * @example throw new HttpError(400, 'images[0] has 783 values, expected 784 (28x28 pixels)');
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}
