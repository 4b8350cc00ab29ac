// The load generator and the scenarios against a tiny HTTP server on an ephemeral port, with a
// target that needs no cloud: what autocannon is asked to do (a burst of N at once, a fixed
// rate, single cold starts one at a time) and what the scenarios make of the answers
// (x-cold-start, 503 with Retry-After).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LoadGenerator, startLoadGenerator } from '../../loadtest/node/load';
import { localTarget, runningLocalCloud } from '../../loadtest/node/local-target';
import { coldBurst } from '../../loadtest/scenarios/cold-burst';
import { coldSingles } from '../../loadtest/scenarios/cold-single';
import type { Workload } from '../../loadtest/scenarios/request';
import { resultKey } from '../../loadtest/scenarios/s3-batch';
import { held, saturation } from '../../loadtest/scenarios/saturation';
import { connectionsFor, runPhase } from '../../loadtest/scenarios/steady';
import type { Target, VariantEndpoint } from '../../loadtest/target';
import { sleep } from '../support/poll';

let server: Server;
let url: string;
let generator: LoadGenerator;
let served = 0;
let inFlight = 0;
let maxInFlight = 0;
/** Requests at once past which the server sheds load. */
let limit = 1000;
/** Answers marked x-cold-start: true from now on; each makeCold sets it to coldPerStart. */
let coldLeft = 0;
let coldPerStart = 3;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      served += 1;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const cold = coldLeft > 0;
      if (cold) coldLeft -= 1;
      if (inFlight > limit) {
        inFlight -= 1;
        res.writeHead(503, { 'retry-after': '1' }).end('{"error":{"code":"OVERLOADED"}}');
        return;
      }
      setTimeout(() => {
        inFlight -= 1;
        res
          .writeHead(200, { 'x-cold-start': String(cold), 'content-type': 'image/jpeg' })
          .end('ok');
      }, 40);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  generator = startLoadGenerator();
});

afterAll(async () => {
  await generator.close();
  await new Promise<void>((r) => server.close(() => r()));
});

beforeEach(async () => {
  // A timed run stops with requests still in flight; let them land before counting afresh.
  await sleep(300);
  served = 0;
  maxInFlight = 0;
  limit = 1000;
  coldLeft = 0;
  coldPerStart = 3;
});

const variant: VariantEndpoint = {
  name: 'fake',
  lambda: false,
  get url() {
    return url;
  },
};
const workload = (): Workload => ({
  image: Buffer.from('jpeg'),
  contentType: 'image/jpeg',
  query: 'style=classic',
  timeoutS: 5,
  generator,
});
/** How often the scenarios asked for the variant to be made cold. */
let madeCold = 0;
const target: Target = {
  where: 'local',
  label: 'a test server',
  get variants() {
    return [variant];
  },
  s3: { region: 'us-east-1' },
  makeCold: async () => {
    madeCold += 1;
    coldLeft = coldPerStart;
    return { cold: true, how: 'a fresh server' };
  },
  markLogs: async () => 0,
  reportsSince: async () => [],
  close: async () => undefined,
};

describe('the load generator', () => {
  it('sends a burst of N simultaneous requests with connections: N, amount: N', async () => {
    const result = await generator.run({
      url: `${url}/cartoon`,
      method: 'POST',
      body: Buffer.from('x'),
      connections: 4,
      amount: 4,
      timeoutS: 5,
    });
    expect(result.samples).toHaveLength(4);
    expect(served).toBe(4);
    expect(maxInFlight).toBe(4);
    expect(result.statusCounts).toEqual({ '200': 4 });
  });

  it('holds a fixed arrival rate with overallRate', async () => {
    const result = await generator.run({
      url: `${url}/`,
      connections: 2,
      ratePerS: 4,
      durationS: 2,
      timeoutS: 5,
    });
    // 4/s for 2 s: about 8 answers, never the hundreds an unlimited run makes. autocannon sends
    // each second's share at the start of that second, and on a busy machine the timer that
    // ends a 2 s run can fire after a third share has gone out: at most 3 × 4.
    expect(result.samples.length).toBeGreaterThanOrEqual(6);
    expect(result.samples.length).toBeLessThanOrEqual(12);
    expect(result.histogram.p50).toBeGreaterThanOrEqual(40);
  });
});

describe('coldBurst', () => {
  it('keeps each answer with its x-cold-start header, then measures the warm ones', async () => {
    const r = await coldBurst(target, variant, workload(), { n: 3, warm: 2, cores: 1 });
    expect(r).toMatchObject({ kind: 'burst', n: 3, cores: 1 });
    expect(r.prepared).toEqual({ cold: true, how: 'a fresh server' });
    expect(r.samples.map((s) => s.coldHeader)).toEqual([true, true, true]);
    expect(r.warmSamples.map((s) => s.coldHeader)).toEqual([false, false]);
    expect(maxInFlight).toBe(3);
  });

  it('sends no warm request when asked for none', async () => {
    const r = await coldBurst(target, variant, workload(), { n: 2, warm: 0 });
    expect(r.warmSamples).toEqual([]);
    expect(served).toBe(2);
  });
});

describe('coldSingles', () => {
  it('makes the variant cold before each start and sends one first request at a time', async () => {
    madeCold = 0;
    // One environment per start: its first answer is cold, the rest warm.
    coldPerStart = 1;
    const phases: string[] = [];
    const r = await coldSingles(target, variant, workload(), {
      starts: 3,
      warm: 2,
      run: 2,
      onResponse: (phase) => phases.push(phase),
    });
    expect(madeCold).toBe(3);
    expect(r).toMatchObject({ kind: 'single', run: 2, n: 3, prepared: { cold: true } });
    // One request in flight at any time: nothing started together.
    expect(maxInFlight).toBe(1);
    expect(r.samples.map((s) => s.coldHeader)).toEqual([true, true, true]);
    expect(r.warmSamples.map((s) => s.coldHeader)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(served).toBe(9);
    expect(phases).toContain('fake making cold (3/3)');
    // Six loads, each a round trip to the generator's process and an autocannon start.
  }, 30_000);
});

describe('steady and saturation', () => {
  it('sizes connections to the rate, within bounds', () => {
    expect(connectionsFor(0.5)).toBe(1);
    expect(connectionsFor(5)).toBe(5);
    expect(connectionsFor(200)).toBe(16);
  });

  it('runs a phase at a fixed rate and names it', async () => {
    const phase = await runPhase(target, variant, workload(), {
      phase: 'steady 3/s',
      kind: 'steady',
      ratePerS: 3,
      durationS: 1,
    });
    expect(phase).toMatchObject({
      variant: 'fake',
      phase: 'steady 3/s',
      kind: 'steady',
      targetRatePerS: 3,
    });
    expect(phase.samples.length).toBeGreaterThan(0);
    expect(held(phase, 1000)).toBe(true);
    expect(held(phase, 10)).toBe(false);
  });

  it('finds the rate a variant holds and what it answers past it', async () => {
    // Past 2 requests at once the server answers 503 with Retry-After: 1.
    limit = 2;
    const s = await saturation(target, variant, workload(), {
      startRate: 2,
      factor: 4,
      maxRate: 32,
      stepS: 1,
      p99BoundMs: 1000,
    });
    expect(s.heldRatePerS).toBe(2);
    expect(s.pastIt?.ratePerS).toBe(8);
    expect(s.pastIt?.statusCounts['503']).toBeGreaterThan(0);
    expect(s.pastIt?.retryAfter).toEqual(['1']);
  });
});

describe('resultKey', () => {
  it('is cartoons/<upload name>.jpg', () => {
    expect(resultKey('uploads/a.jpg')).toBe('cartoons/a.jpg.jpg');
    expect(resultKey('uploads/IMG 1.HEIC')).toBe('cartoons/IMG 1.HEIC.jpg');
  });
});

describe('a local cloud that is already running', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'loadtest-running-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const endpoints = (variants: Record<string, { url: string; bucket: string }>) =>
    writeFileSync(
      path.join(dir, 'endpoints.json'),
      JSON.stringify({
        s3: {
          endpoint: 'http://127.0.0.1:1',
          region: 'us-east-1',
          accessKeyId: 'local',
          secretAccessKey: 'local',
        },
        variants,
        queues: {},
        logs: path.join(dir, 'logs'),
      }),
    );

  it('is used when every variant in endpoints.json answers /health, for the variants it hosts', async () => {
    endpoints({
      'lambda-zip': { url, bucket: 'zip-bucket' },
      'lambda-image': { url, bucket: 'image-bucket' },
    });
    expect((await runningLocalCloud(dir))?.variants['lambda-image']?.url).toBe(url);
    const notes: string[] = [];
    const target = await localTarget({
      variants: ['lambda-zip', 'lambda-image', 'fargate'],
      stateDir: dir,
      idleTimeoutMs: 1000,
      note: (n) => notes.push(n),
    });
    try {
      expect(target.variants.map((v) => v.name)).toEqual(['lambda-zip', 'lambda-image', 'trivial']);
      expect(notes).toEqual([
        'fargate: not run, the local cloud does not host it yet',
        `used the running local cloud (${path.join(dir, 'endpoints.json')})`,
      ]);
      // Not started here, so not reaped on demand: the burst says so rather than pretend.
      expect(await target.makeCold('lambda-zip')).toEqual({
        cold: false,
        how: expect.stringContaining('not started by the load test'),
      });
      expect((await target.makeCold('fargate')).how).toContain('freshly started task');
    } finally {
      await target.close();
    }
  }, 20_000);

  it('is not used when a front door does not answer', async () => {
    endpoints({ 'lambda-zip': { url: 'http://127.0.0.1:1', bucket: 'b' } });
    expect(await runningLocalCloud(dir)).toBeUndefined();
  });
});
