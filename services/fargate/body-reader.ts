/**
 * Reads a request body into one buffer, up to a limit, without ever closing the connection under
 * a client that is still sending. A body over the limit (declared by Content-Length, or found
 * while streaming) is not kept: the rest is read and thrown away, up to `discardLimit`, and only
 * then refused, so the answer comes as an ordinary response to a complete request. Closing
 * instead, while a load balancer still sends the request, is what an ALB turns into 502 Bad
 * Gateway ("The target closed the connection with a TCP RST or a TCP FIN while the load balancer
 * had an outstanding request to the target",
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html,
 * 2026-12). Answering before the body has arrived is no better: Node's own http client (and so
 * any Node proxy that pipes a request) stops writing once its response has ended, and the upload
 * stalls. Past `discardLimit` the body is not worth reading: it is refused at once and the
 * connection given up.
 */
import type { Readable } from 'node:stream';

/** The body is over the limit; `readToEnd`: all of it was read, the connection can be kept. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly readToEnd: boolean) {
    super('request body over the limit');
  }
}

export interface BodyReaderOptions {
  /** Largest body kept. */
  readonly limit: number;
  /** Largest body read at all: past it a refused body's connection is closed. */
  readonly discardLimit: number;
  /** Called with every chunk's size, kept or thrown away (progress for the body deadline). */
  readonly onBytes?: (bytes: number) => void;
  /** Called once the body has ended or failed, whether it was kept or thrown away. */
  readonly onEnd?: () => void;
}

/** `Content-Length` as a number; `undefined` when absent (chunked) or not a number. */
export function declaredLength(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  const value = Number(header);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

export interface BodyReading {
  /** The body is over the limit and what is left of it is being thrown away. */
  readonly tooLarge: boolean;
}

/**
 * Reads `payload`, then calls `done` once: with the body, or with a `BodyTooLargeError` once a
 * body over the limit has been read to its end (at once past `discardLimit`).
 *
 * @example
 * ```ts
 * const reading = readBody(request.raw, declaredLength(request.headers['content-length']),
 *   { limit: 4_500_001, discardLimit: 32 * 1024 * 1024 }, (err, body) => done(err, body));
 * reading.tooLarge; // true while an oversized body is being thrown away
 * ```
 */
export function readBody(
  payload: Readable,
  declared: number | undefined,
  options: BodyReaderOptions,
  done: (error: Error | null, body?: Buffer) => void,
): BodyReading {
  const { limit, discardLimit, onBytes, onEnd } = options;
  let chunks: Buffer[] = [];
  let received = 0;
  let answered = false;
  let ended = false;
  const state = { tooLarge: declared !== undefined && declared > limit };
  const answer = (error: Error | null, body?: Buffer) => {
    if (answered) return;
    answered = true;
    chunks = [];
    done(error, body);
  };
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd?.();
  };

  if (declared !== undefined && declared > discardLimit) {
    // Not read at all: the server closes the connection after its answer (Fastify adds
    // `connection: close` to a parser's error), which is all a body this large deserves.
    answer(new BodyTooLargeError(false));
    end();
    return state;
  }

  payload.on('data', (chunk: Buffer) => {
    received += chunk.length;
    onBytes?.(chunk.length);
    if (received > discardLimit) {
      // Sent more than it declared room for, or a chunked body that never ends.
      answer(new BodyTooLargeError(false));
      end();
      payload.destroy();
      return;
    }
    if (received > limit) {
      state.tooLarge = true;
      chunks = [];
    }
    if (!state.tooLarge) chunks.push(chunk);
  });
  payload.on('end', () => {
    answer(state.tooLarge ? new BodyTooLargeError(true) : null, Buffer.concat(chunks, received));
    end();
  });
  payload.on('error', (error) => {
    answer(error);
    end();
  });
  payload.on('close', end);
  return state;
}
