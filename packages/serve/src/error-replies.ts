// Every refusal as {"error": "one line"}: the route's HttpErrors, fastify's own errors before the
// route (bad URL, body too large, media type, content length), and the HTTP parser's errors on the
// raw socket (431 headers too large, 408 request timeout, 400 malformed), which never reach fastify.
import type { Socket } from 'node:net';
import { oneLine } from '@mnist/core';
import type { FastifyError } from 'fastify';
import { HttpError } from './http-error.js';

/** What the messages quote: the limits a refused client ran into. */
export interface ErrorLimits {
  maxBodyBytes: number;
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  contentTypes: readonly string[];
}

/** A client error's status and message; 5xx other than an HttpError's become a generic 500. */
export function errorReply(error: FastifyError | HttpError, url: string, limits: ErrorLimits): { status: number; message: string; internal: boolean } {
  const status = error.statusCode ?? 500;
  if (error instanceof HttpError) return { status, message: error.message, internal: false };
  if (status >= 500) return { status: 500, message: 'internal error while predicting; see the server log', internal: true };
  return { status, message: fastifyMessage(error, url, limits), internal: false };
}

function fastifyMessage(error: FastifyError, url: string, limits: ErrorLimits): string {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return `the URL ${JSON.stringify(url)} is not valid (bad percent-encoding)`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `body is larger than the limit of ${limits.maxBodyBytes} bytes`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `unsupported content type; send ${limits.contentTypes.slice(0, -1).join(', ')} or ${limits.contentTypes.at(-1)}`;
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'body size does not match its Content-Length header';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'empty JSON body';
    default:
      return oneLine(error);
  }
}

/** The status and message for an error of Node's HTTP parser, or undefined when nothing should be sent. */
export function parserErrorReply(error: NodeJS.ErrnoException & { reason?: string }, limits: ErrorLimits): { status: number; message: string } | undefined {
  switch (error.code) {
    case 'ECONNRESET':
      return undefined;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        message: `the request did not arrive in time (headers within ${seconds(limits.headersTimeoutMs)}, the whole request within ${seconds(limits.requestTimeoutMs)})`,
      };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: `request headers are larger than the limit of ${limits.maxHeaderBytes} bytes` };
    default:
      return { status: 400, message: `malformed HTTP request (${oneLine(error.reason ?? error.code ?? error.message)})` };
  }
}

/**
 * fastify's `clientErrorHandler`: answers the parser's errors with the JSON error body and closes.
 * @example Fastify({ clientErrorHandler: clientErrorHandler(limits) })
 */
export function clientErrorHandler(limits: ErrorLimits): (error: Error, socket: Socket) => void {
  return (error, socket) => {
    if (socket.destroyed) return;
    const reply = parserErrorReply(error, limits);
    // As Node's own handler: write only when no answer has started on this socket, or the peer
    // would read a corrupt response.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (reply && socket.writable && !inFlight?.headersSent) {
      const body = JSON.stringify({ error: reply.message });
      socket.write(
        `HTTP/1.1 ${reply.status} ${STATUS_TEXT[reply.status] ?? 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}
