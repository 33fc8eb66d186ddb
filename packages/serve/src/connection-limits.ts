// How long and how many client connections the server holds: request, header, keep-alive and
// shutdown timeouts and the connection cap, their defaults and their checks, in one place.

/** The connection limits of a server; every field has a default (see the DEFAULT_ constants). */
export interface ConnectionLimitOptions {
  /**
   * Time for a whole request (headers and body) to arrive, in ms; a slower one gets 408 and is closed.
   * 0 turns it off. Default 30000: a full 4 MiB body at 1.1 Mbit/s.
   */
  requestTimeoutMs?: number;
  /** Time for the request headers to arrive, in ms (at most `requestTimeoutMs`); 408 beyond. 0 turns it off. Default 10000. */
  headersTimeoutMs?: number;
  /**
   * How long a keep-alive connection may sit idle between requests, in ms. Default 5000 (Node's
   * default); behind a load balancer, set it above the balancer's own idle timeout.
   */
  keepAliveTimeoutMs?: number;
  /**
   * Most open connections; beyond it a new connection is closed as soon as it is accepted. Default
   * 128. With `maxBodyBytes` it bounds the memory that bodies being received can take.
   */
  maxConnections?: number;
  /**
   * On close, how long requests in flight (bodies still arriving included) may take before the
   * remaining connections are cut, in ms. Default 5000: under `docker stop`'s 10 s and Kubernetes'
   * 30 s grace periods.
   */
  shutdownTimeoutMs?: number;
}

/** The limits with the defaults filled in and checked. */
export type ConnectionLimits = Required<ConnectionLimitOptions>;

/** Default {@link ConnectionLimitOptions.requestTimeoutMs}. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Default {@link ConnectionLimitOptions.headersTimeoutMs}. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Default {@link ConnectionLimitOptions.keepAliveTimeoutMs}. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Default {@link ConnectionLimitOptions.maxConnections}. */
export const DEFAULT_MAX_CONNECTIONS = 128;
/** Default {@link ConnectionLimitOptions.shutdownTimeoutMs}. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;

// Node's setTimeout holds at most 2^31 - 1 ms.
const MAX_MS = 2 ** 31 - 1;

/**
 * Fills in the defaults and checks every limit, naming the option that is out of range.
 * @example connectionLimits({ requestTimeoutMs: 2000 }).headersTimeoutMs // 2000: never above the request timeout
 */
export function connectionLimits(options: ConnectionLimitOptions): ConnectionLimits {
  const requestTimeoutMs = milliseconds(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs');
  const headers = milliseconds(options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS, 'headersTimeoutMs');
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) throw new RangeError(`options.maxConnections must be a positive integer, got ${maxConnections}`);
  return {
    requestTimeoutMs,
    // Node refuses headers allowed longer than the whole request; the request's bound covers them anyway.
    headersTimeoutMs: requestTimeoutMs > 0 && (headers === 0 || headers > requestTimeoutMs) ? requestTimeoutMs : headers,
    keepAliveTimeoutMs: milliseconds(options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS, 'keepAliveTimeoutMs', 1),
    maxConnections,
    shutdownTimeoutMs: milliseconds(options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS, 'shutdownTimeoutMs'),
  };
}

/**
 * How often Node looks for requests past their timeouts: Node's default of 30 s would let a 1 s
 * timeout fire 30 s late. A quarter of the shortest timeout, between 10 ms and 1 s.
 * @example timeoutCheckInterval({ requestTimeoutMs: 30000, headersTimeoutMs: 10000 }) // 1000
 */
export function timeoutCheckInterval(limits: Pick<ConnectionLimits, 'requestTimeoutMs' | 'headersTimeoutMs'>): number {
  const shortest = Math.min(...[limits.requestTimeoutMs, limits.headersTimeoutMs].filter((ms) => ms > 0), 4000);
  return Math.max(10, Math.min(1000, Math.floor(shortest / 4)));
}

function milliseconds(value: number, name: string, min = 0): number {
  if (!Number.isInteger(value) || value < min || value > MAX_MS) {
    throw new RangeError(`options.${name} must be a whole number of milliseconds in [${min}, ${MAX_MS}], got ${value}`);
  }
  return value;
}
