/**
 * CORS for the console page: it is served from its own port, so its calls to the variants' front
 * doors, load balancers and the S3 endpoint are cross-origin. Only the console's origin is
 * allowed, as a deployment allows only its `corsOrigin` (serverless.yml, infra settings).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers the page reads from a cross-origin answer (the rest are CORS-safelisted or unused). */
const EXPOSED = 'x-cartoon-variant, x-cold-start, server-timing, content-length';

/**
 * Adds the CORS headers when the request comes from `origin`; answers a preflight itself.
 * Returns true when the request has been answered.
 *
 * @example
 * ```ts
 * if (cors(req, res, 'http://127.0.0.1:4000')) return;
 * ```
 */
export function cors(
  req: IncomingMessage,
  res: ServerResponse,
  origin: string | undefined,
): boolean {
  if (origin === undefined || req.headers.origin !== origin) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'origin');
  res.setHeader('access-control-expose-headers', EXPOSED);
  // Timing-Allow-Origin lets the page read the server-timing entries of a cross-origin answer.
  res.setHeader('timing-allow-origin', origin);
  if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) {
    return false;
  }
  req.resume();
  res
    .writeHead(204, {
      'access-control-allow-methods': 'GET, POST, PUT',
      'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '',
      'access-control-max-age': '600',
    })
    .end();
  return true;
}
