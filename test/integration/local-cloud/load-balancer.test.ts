// The local load balancer in front of real HTTP servers on ephemeral ports: round robin over
// healthy targets, a target that fails its checks taken out (and announced), fail-open, and
// draining: a deregistered target gets no new requests and keeps the ones in flight.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoadBalancer } from '../../../local-cloud/load-balancer';
import { sleep } from '../../support/poll';

interface Backend {
  readonly name: string;
  readonly server: Server;
  readonly port: number;
  healthy: boolean;
}

const backends: Backend[] = [];
let lb: LoadBalancer;

async function backend(name: string): Promise<Backend> {
  const state = { healthy: true };
  const server = createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(state.healthy ? 200 : 503).end();
      return;
    }
    const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
    setTimeout(() => res.end(name), delay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const made: Backend = {
    name,
    server,
    port: (server.address() as AddressInfo).port,
    get healthy() {
      return state.healthy;
    },
    set healthy(value) {
      state.healthy = value;
    },
  };
  backends.push(made);
  return made;
}

const get = async (path: string) => {
  const response = await fetch(`${lb.url}${path}`);
  return { status: response.status, body: await response.text() };
};

beforeEach(async () => {
  lb = await LoadBalancer.start({
    healthCheck: {
      path: '/health',
      intervalMs: 100,
      timeoutMs: 500,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
    },
    deregistrationDelayMs: 3_000,
    initialIntervalMs: 50,
  });
});

afterEach(async () => {
  await lb.close();
  for (const b of backends.splice(0)) {
    b.server.closeAllConnections();
    b.server.close();
  }
});

it('answers 503 with no target, and sends requests round robin across healthy targets', async () => {
  expect((await get('/')).status).toBe(503);
  const [a, b, c] = await Promise.all([backend('a'), backend('b'), backend('c')]);
  for (const t of [a, b, c]) lb.register(t?.name ?? '', t?.port ?? 0);
  await Promise.all(['a', 'b', 'c'].map((id) => lb.whenHealthy(id)));

  const bodies: string[] = [];
  for (let i = 0; i < 9; i += 1) bodies.push((await get('/')).body);

  expect(bodies.filter((x) => x === 'a')).toHaveLength(3);
  expect(bodies.filter((x) => x === 'b')).toHaveLength(3);
  expect(bodies.filter((x) => x === 'c')).toHaveLength(3);
  // Never the same target twice in a row while three are healthy.
  expect(bodies.every((x, i) => i === 0 || x !== bodies[i - 1])).toBe(true);
});

it('takes a target that fails its health checks out of rotation and says so', async () => {
  const [a, b] = await Promise.all([backend('a'), backend('b')]);
  lb.register('a', a?.port ?? 0);
  lb.register('b', b?.port ?? 0);
  await Promise.all([lb.whenHealthy('a'), lb.whenHealthy('b')]);
  const unhealthy = new Promise<string>((resolve) => lb.once('unhealthy', resolve));

  if (b) b.healthy = false;

  expect(await unhealthy).toBe('b');
  const bodies = await Promise.all(Array.from({ length: 6 }, () => get('/')));
  expect(new Set(bodies.map((x) => x.body))).toEqual(new Set(['a']));
});

it('fails open when no target is healthy', async () => {
  const a = await backend('a');
  lb.register('a', a.port);
  await lb.whenHealthy('a');
  const unhealthy = new Promise<string>((resolve) => lb.once('unhealthy', resolve));
  a.healthy = false;
  await unhealthy;

  expect(await get('/')).toEqual({ status: 200, body: 'a' });
});

it('drains a deregistered target: its request in flight finishes, new ones go elsewhere', async () => {
  const [a, b] = await Promise.all([backend('a'), backend('b')]);
  lb.register('a', a?.port ?? 0);
  lb.register('b', b?.port ?? 0);
  await Promise.all([lb.whenHealthy('a'), lb.whenHealthy('b')]);
  // Find which target the next request goes to, and hold a slow one there.
  const first = (await get('/')).body;
  const held = first === 'a' ? 'b' : 'a';
  const slow = get('/?delay=800');
  await sleep(100);

  const started = Date.now();
  const drained = lb.deregister(held);
  const during = await Promise.all(Array.from({ length: 4 }, () => get('/')));
  await drained;

  expect((await slow).body).toBe(held);
  expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  expect(during.map((x) => x.body)).toEqual([first, first, first, first]);
  expect(lb.status.map((t) => t.id)).toEqual([first]);
});
