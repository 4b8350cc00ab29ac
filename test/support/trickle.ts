/**
 * A slow-loris client for the fargate tests: POST /cartoon whose body arrives a byte a second
 * over a raw socket, and whatever answer the server gives before the connection ends.
 */
import net from 'node:net';

export interface TrickleAnswer {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
  /** Milliseconds from the request's headers to the end of its answer. */
  readonly afterMs: number;
}

export interface Trickler {
  readonly answer: Promise<TrickleAnswer>;
  stop(): void;
}

/**
 * A raw socket that sends a POST /cartoon's headers (Content-Length 100,000) and then its body
 * one byte a second, as a slow-loris client does; its answer is whatever the server sends before
 * the connection ends.
 *
 * @example
 * ```ts
 * const slow = trickle('http://127.0.0.1:8080');
 * expect((await slow.answer).status).toBe(408);
 * ```
 */
export function trickle(url: string): Trickler {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  // Writing after the server's answer may fail (EPIPE, ECONNRESET): the answer is what counts.
  socket.on('error', () => undefined);
  socket.write(
    'POST /cartoon HTTP/1.1\r\nHost: task\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n',
  );
  timer = setInterval(() => {
    if (socket.writable) socket.write('x');
  }, 1_000);
  const answer = new Promise<TrickleAnswer>((resolve) => {
    socket.once('close', () => {
      clearInterval(timer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = raw.split('\r\n\r\n');
      resolve({
        status: Number(head.split(' ')[1] ?? 0),
        headers: head.toLowerCase(),
        body,
        afterMs: Date.now() - started,
      });
    });
  });
  const t: Trickler = {
    answer,
    stop: () => {
      clearInterval(timer);
      timer = undefined;
      socket.destroy();
    },
  };
  return t;
}
