/**
 * Every endpoint of the local cloud (S3/SQS, front doors, load balancers, the console) listens
 * the same way: on loopback unless told otherwise, on an ephemeral port unless given one, and
 * closes with its open connections, so a stop never waits for a keep-alive client.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  /** `http://<address>:<port>`. */
  readonly url: string;
  /** Drops open connections and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts `server` listening and answers its URL and a closer.
 *
 * @example
 * ```ts
 * const { url, close } = await listen(createServer(handler), { port: 0 });
 * ```
 */
export async function listen(
  server: Server,
  options: { readonly port?: number; readonly host?: string },
): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
