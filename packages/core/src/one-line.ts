// Text (or a thrown value's message) made one line, for the SDK's one-line error messages and the
// library messages they quote.

/** Options of {@link oneLine}. */
export interface OneLineOptions {
  /**
   * Keep only the first non-empty line, trimmed, instead of folding every line: for a runtime's error
   * whose later lines are a native stack or a list of paths tried, not part of the reason.
   */
  firstLine?: boolean;
  /** Cut the result to at most this many characters, for a library's message quoted inside ours. */
  maxLength?: number;
}

/**
 * `value` (a string, an Error's or any object's `message`, else `String(value)`) on one line. Text
 * without a line break is kept exactly; otherwise each line is trimmed and the non-empty ones are
 * joined by single spaces (or, with `firstLine`, only the first of them is kept). `maxLength` then
 * cuts it, never inside a UTF-16 surrogate pair.
 * @example
 * oneLine('Load model failed:\n  bad protobuf\n') // 'Load model failed: bad protobuf'
 * oneLine(new Error('cannot load addon\nRequire stack:\n- a.js'), { firstLine: true }) // 'cannot load addon'
 * oneLine('x'.repeat(500), { maxLength: 200 }).length // 200
 */
export function oneLine(value: unknown, options: OneLineOptions = {}): string {
  const text = typeof value === 'string' ? value : messageOf(value);
  let line = text;
  if (options.firstLine) line = nonEmptyLines(text)[0] ?? '';
  else if (/[\r\n]/.test(text)) line = nonEmptyLines(text).join(' ');
  return options.maxLength === undefined ? line : cut(line, options.maxLength);
}

// An Error's message, or that of any object carrying one (a value thrown across realms or by a library).
function messageOf(value: unknown): string {
  const message = (value as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(value);
}

function nonEmptyLines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function cut(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const end = /[\uD800-\uDBFF]/.test(text[maxLength - 1] ?? '') ? maxLength - 1 : maxLength;
  return text.slice(0, Math.max(0, end));
}
