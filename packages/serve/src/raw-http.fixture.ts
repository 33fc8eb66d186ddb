// A raw TCP client for the tests that HTTP clients cannot express: half-sent bodies, stalled
// headers, oversized headers, bad URLs, idle keep-alive sockets and connections over the cap.
import net from 'node:net';

/** One parsed HTTP/1.1 response. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A socket to the server with what it has received so far. */
export interface RawConnection {
  socket: net.Socket;
  /** Everything the server sent. */
  received(): string;
  /** Resolves when the server has sent a whole response (by Content-Length), parsed. */
  response(index?: number): Promise<RawResponse>;
  /** Resolves when the socket is closed, with how: 'end' (the server closed it) or the error code. */
  closed(): Promise<string>;
}

// No wait here may hang a test: a socket that should have been answered or closed by now is a failure.
const LIMIT_MS = 20_000;

/**
 * Connects to 127.0.0.1:port and writes `text` (if any).
 * @example const c = await connect(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'); (await c.response()).status
 */
export async function connect(port: number, text = ''): Promise<RawConnection> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let data = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk) => {
    data += chunk.toString('latin1');
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<string>((resolve) => {
    let how = 'end';
    socket.on('error', (error: NodeJS.ErrnoException) => (how = error.code ?? error.message));
    socket.on('close', () => {
      resolve(how);
      for (const wake of waiters.splice(0)) wake();
    });
  });
  if (text) socket.write(text);
  const response = (index = 0): Promise<RawResponse> =>
    bounded(
      new Promise<RawResponse>((resolve, reject) => {
        const check = (): void => {
          const parsed = parseResponses(data);
          if (parsed.length > index) return resolve(parsed[index]);
          if (socket.destroyed) return reject(new Error(`the connection closed after ${JSON.stringify(data.slice(0, 300))}`));
          waiters.push(check);
        };
        check();
      }),
      'a response',
    );
  return { socket, received: () => data, response, closed: () => bounded(closed, 'the connection to close') };
}

/**
 * Rejects when `promise` has not settled within the limit, naming what was awaited.
 * @example await bounded(child.exited, 'the server to exit')
 */
export function bounded<T>(promise: Promise<T>, what: string, ms = LIMIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/**
 * Waits until `condition()` holds, checking every 10 ms, at most 2000 times.
 * @example await until(() => server.decodeStats.decoding === 1, 'a decode to start')
 */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function parseResponses(data: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = data;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return responses;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (rest.length < end + 4 + length) return responses;
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
}
