// The local load balancer when its target breaks the connection, over real sockets: before the
// target has answered, the client gets the ALB's 502; after the target's answer has started, the
// client's answer is cut off as the target's was, never a 502 text glued to the target's body.
import http, { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoadBalancer } from '../../../local-cloud/load-balancer';

let lb: LoadBalancer;
let target: Server;

beforeAll(async () => {
  target = createServer((req, res) => {
    if (req.url === '/health') return void res.writeHead(200).end();
    if (req.url === '/before') return void req.socket.destroy();
    // Headers and part of the body, then the connection is gone.
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
    res.write('partial');
    setTimeout(() => req.socket.destroy(), 50);
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  lb = await LoadBalancer.start({
    healthCheck: {
      path: '/health',
      intervalMs: 1_000,
      timeoutMs: 500,
      healthyThreshold: 1,
      unhealthyThreshold: 3,
    },
    deregistrationDelayMs: 1_000,
    initialIntervalMs: 50,
  });
  lb.register('t', (target.address() as AddressInfo).port);
  await lb.whenHealthy('t');
});

afterAll(async () => {
  await lb.close();
  target.closeAllConnections();
  target.close();
});

/** GET through the balancer: status, the body bytes that arrived, and how the answer ended. */
function get(path: string): Promise<{ status: number; body: string; ended: 'complete' | 'cut' }> {
  return new Promise((resolve) => {
    const request = http.get(`${lb.url}${path}`, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body, ended: 'complete' }),
      );
      response.on('error', () => undefined);
      response.on('close', () => {
        if (!response.complete) resolve({ status: response.statusCode ?? 0, body, ended: 'cut' });
      });
    });
    request.on('error', () => resolve({ status: 0, body: '', ended: 'cut' }));
  });
}

it('answers 502 when the target closes before answering', async () => {
  expect(await get('/before')).toEqual({
    status: 502,
    body: '502 Bad Gateway',
    ended: 'complete',
  });
});

it('cuts the client off when the target closes in the middle of its answer', async () => {
  const answer = await get('/during');

  expect(answer).toEqual({ status: 200, body: 'partial', ended: 'cut' });
});
