// The load generator runs autocannon in a process of its own, pinned to its CPUs where the
// split allows: checked against a real HTTP server on an ephemeral port, and through /proc.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { allowedCpus, planCpuSplit } from '../../../loadtest/node/cpu-split';
import { startLoadGenerator } from '../../../loadtest/node/load';

let server: Server;
let url: string;
const bodies: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const hash = createHash('sha256');
    req.on('data', (chunk: Buffer) => hash.update(chunk));
    req.on('end', () => {
      bodies.push(hash.digest('hex'));
      res.writeHead(200, { 'x-cold-start': 'false' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('startLoadGenerator', () => {
  it('runs the load in another process, sends the body byte for byte, and reports progress', async () => {
    const generator = startLoadGenerator();
    try {
      const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
      const counts: number[] = [];
      bodies.length = 0;
      const r = await generator.run(
        { url, method: 'POST', body, connections: 2, amount: 4, timeoutS: 5 },
        (n) => counts.push(n),
      );
      expect(generator.pid).toBeDefined();
      expect(generator.pid).not.toBe(process.pid);
      expect(r.samples).toHaveLength(4);
      expect(r.samples.every((s) => s.status === 200 && s.coldHeader === false)).toBe(true);
      expect(bodies).toEqual(Array(4).fill(createHash('sha256').update(body).digest('hex')));
      expect(counts).toEqual([1, 2, 3, 4]);
    } finally {
      await generator.close();
    }
  }, 30_000);

  it('runs on the CPUs of the split: the last one when there are two or more', async () => {
    const split = planCpuSplit(allowedCpus() ?? [0], true);
    const generator = startLoadGenerator({ cpus: split.load, pinned: split.pinned });
    try {
      await generator.run({ url, connections: 1, amount: 1, timeoutS: 5 });
      const own = allowedCpus(`/proc/${generator.pid}/status`);
      expect(own).toEqual(split.pinned ? split.load : allowedCpus());
    } finally {
      await generator.close();
    }
  }, 30_000);

  it('rejects a load, with the reason, once its process is gone', async () => {
    const generator = startLoadGenerator();
    await generator.run({ url, connections: 1, amount: 1, timeoutS: 5 });
    process.kill(generator.pid ?? 0, 'SIGKILL');
    await generator.close();
    await expect(generator.run({ url, connections: 1, amount: 1, timeoutS: 5 })).rejects.toThrow(
      /worker load-worker\.ts exited \(SIGKILL\)/,
    );
  }, 30_000);
});

describe('a fresh load generator', () => {
  it('answers its first request as fast as later ones: it warmed itself up', async () => {
    const generator = startLoadGenerator();
    try {
      const first = await generator.run({ url, connections: 1, amount: 1, timeoutS: 5 });
      const later = await generator.run({ url, connections: 1, amount: 5, timeoutS: 5 });
      const worst = Math.max(...later.samples.map((s) => s.latencyMs));
      // Unwarmed, the first request took 70-90 ms against this 1-2 ms server.
      expect(first.samples[0]?.latencyMs).toBeLessThan(Math.max(30, 3 * worst));
    } finally {
      await generator.close();
    }
  }, 30_000);
});
