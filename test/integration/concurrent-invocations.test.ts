// Many invocations at once in one process, as on Lambda Managed Instances (LMI): the Node.js
// runtime runs several worker threads, each loading the handler module (and so the core)
// itself, and each runs many invocations at once, interleaved at every await. Whatever
// they share per thread (the painter pool, the ink kernels, the helper worker, libheif) or
// per process (sharp's settings, libvips), each invocation must get exactly the bytes it
// gets alone, and a failing one must not disturb the others.
// docs/managed-instances-research.md has the runtime model and its sources.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type CartoonOptions, cartoonize, configureSharp } from '@cartoon-compute/core';
import { helperJobsDone } from '../../layers/core/src/helper';
import { resolveOptions } from '../../layers/core/src/options';
import { Painting } from '../../layers/core/src/paint';
import type { Size } from '../../layers/core/src/size';
import { plainText, truncate, truncatedJpeg } from '../support/bad-inputs';
import { FIXTURES_DIR, type PhotoName, photo } from '../support/fixtures';
import { waitForHelper, withTwoThreads } from '../support/helper-thread';
import {
  bundleInvocationWorker,
  InvocationThread,
  type Outcome,
  removeBundle,
} from '../support/invocation-threads';
import { noise } from '../support/noise';

jest.setTimeout(240_000);

interface Case {
  readonly name: string;
  readonly image: Buffer;
  readonly options: CartoonOptions;
}

const heic = (name: string) => readFileSync(path.join(FIXTURES_DIR, 'heic', name));

/** Different images, styles, sizes and formats; the 1600 px and 2048 px ones share with the helper. */
function cases(): Case[] {
  const of = (name: PhotoName, options: CartoonOptions): Case => ({
    name: `${name} ${JSON.stringify(options)}`,
    image: photo(name),
    options,
  });
  return [
    of('ladybird.jpg', { style: 'comic', maxSide: 1600, format: 'png' }),
    of('coffee.png', { style: 'classic', maxSide: 512, format: 'jpeg', quality: 70 }),
    of('autumn.jpg', { style: 'sketch', maxSide: 2048, format: 'webp' }),
    of('chelsea.png', { style: 'comic', maxSide: 300, format: 'webp', colours: 6 }),
    of('kite.jpg', { style: 'classic', maxSide: 1600, format: 'jpeg' }),
    of('astronaut.png', { style: 'sketch', maxSide: 256, format: 'png' }),
    of('rocket.jpg', { style: 'classic', maxSide: 640, format: 'png', edgeThickness: 2 }),
    of('evening.jpg', { style: 'comic', maxSide: 1024, format: 'jpeg', saturation: 1.5 }),
    of('ladybird.jpg', { style: 'sketch', maxSide: 800, format: 'jpeg' }),
    {
      name: 'astronaut-alpha.heic png',
      image: heic('astronaut-alpha.heic'),
      options: { style: 'comic', format: 'png', maxSide: 400 },
    },
    {
      name: 'chelsea-10bit.heic jpeg',
      image: heic('chelsea-10bit.heic'),
      options: { style: 'classic', maxSide: 450 },
    },
  ];
}

/** Inputs that fail, each with the status a caller sees. */
function failing(): Array<{ readonly name: string; readonly case: Case; readonly status: number }> {
  return [
    {
      name: 'truncated JPEG',
      case: { name: 'truncated', image: truncatedJpeg(), options: {} },
      status: 400,
    },
    { name: 'plain text', case: { name: 'text', image: plainText(), options: {} }, status: 415 },
    {
      name: 'unknown style',
      case: { name: 'style', image: photo('coffee.png'), options: { style: 'nope' as never } },
      status: 400,
    },
  ];
}

const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Each case's bytes, one invocation at a time on this thread: what every other run must give. */
let expected: Map<string, string>;

beforeAll(async () => {
  expected = new Map();
  for (const c of cases())
    expected.set(c.name, digest((await cartoonize(c.image, c.options)).data));
});

/** Every case twice, interleaved with the failing inputs, in an order unlike the sequential one. */
function mixed(): Array<{ readonly case: Case; readonly status?: number }> {
  const all = cases();
  const bad = failing();
  const order: Array<{ case: Case; status?: number }> = [];
  for (let i = 0; i < all.length; i++) {
    order.push({ case: all[(i * 5) % all.length] as Case });
    order.push({ case: all[all.length - 1 - i] as Case });
    const wrong = bad[i % bad.length];
    if (i % 3 === 0 && wrong) order.push({ case: wrong.case, status: wrong.status });
  }
  return order;
}

describe('many invocations at once on one thread (the runtime interleaves them at each await)', () => {
  withTwoThreads();

  test('each gets the bytes it gets alone; the failing ones fail with their own status', async () => {
    await cartoonize(photo('ladybird.jpg'), { maxSide: 1600 }); // starts the helper worker
    expect(await waitForHelper()).toBe(true);
    const jobsBefore = helperJobsDone();
    const order = mixed();

    const outcomes = await Promise.allSettled(
      order.map(({ case: c }) => cartoonize(c.image, c.options)),
    );

    order.forEach(({ case: c, status }, i) => {
      const outcome = outcomes[i];
      if (status === undefined) {
        expect(outcome?.status).toBe('fulfilled');
        if (outcome?.status === 'fulfilled') {
          expect({ name: c.name, digest: digest(outcome.value.data) }).toEqual({
            name: c.name,
            digest: expected.get(c.name),
          });
        }
      } else {
        expect(outcome?.status).toBe('rejected');
        if (outcome?.status === 'rejected') expect(outcome.reason.statusCode).toBe(status);
      }
    });
    // The large pictures were shared with the helper while other invocations were in flight.
    expect(helperJobsDone()).toBeGreaterThan(jobsBefore);
  });
});

describe('the painter pool while pictures wait for their encoder', () => {
  /** A picture painted from noise fields: `seed` makes it differ from the others. */
  function paint(output: Size, seed: number): Painting {
    const options = resolveOptions({ style: 'comic' });
    const colour = { width: 40, height: 30 };
    const ink = { width: 80, height: 60 };
    return Painting.paint(
      { pixels: noise(colour.width * colour.height * 3, seed), size: colour },
      { pixels: noise(ink.width * ink.height, seed + 1, 20, 140), size: ink },
      output,
      noise(options.colours * 3, seed + 2),
      options,
    );
  }

  test('never lends the memory of a picture still open, and lends a released one afresh', () => {
    const output = { width: 320, height: 240 };
    const first = paint(output, 1);
    const second = paint(output, 2);
    const secondBytes = Buffer.from(second.pixels);

    // Writing over the first picture (as if another job painted there) leaves the second as it was.
    first.pixels.fill(7);
    expect(second.pixels.equals(secondBytes)).toBe(true);

    // The second's memory goes back to the pool and is painted again, to the same bytes,
    // while the first is still open and untouched.
    second.release();
    const third = paint(output, 2);
    expect(third.pixels.equals(secondBytes)).toBe(true);
    expect(first.pixels.every((byte) => byte === 7)).toBe(true);

    first.release();
    third.release();
  });
});

describe('bad images failing at the same time as others (libvips has one error buffer a process)', () => {
  test('each fails with its own status and only its own decoder message', async () => {
    const jpeg = truncatedJpeg();
    const png = truncate(photo('chelsea.png'));
    const seen: Array<{ readonly kind: string; readonly status: number; readonly cause: string }> =
      [];

    for (let round = 0; round < 3; round++) {
      const kinds = Array.from({ length: 10 }, () => ['jpeg', 'png', 'good'] as const).flat();
      const outcomes = await Promise.allSettled(
        kinds.map((kind) => {
          const image = kind === 'jpeg' ? jpeg : kind === 'png' ? png : photo('rocket.jpg');
          return cartoonize(image, { maxSide: 256 });
        }),
      );
      outcomes.forEach((outcome, i) => {
        const kind = kinds[i] as string;
        const error = outcome.status === 'rejected' ? outcome.reason : undefined;
        seen.push({
          kind,
          status: error ? error.statusCode : 200,
          cause: error ? String(error.cause?.message) : '',
        });
      });
    }

    const own = {
      jpeg: 'VipsJpeg: premature end of JPEG image',
      png: 'vipspng: libpng read error',
    };
    const wrong = seen.filter(
      ({ kind, status, cause }) =>
        (kind === 'good' && status !== 200) ||
        (kind !== 'good' && (status !== 400 || cause !== own[kind as keyof typeof own])),
    );
    expect(wrong).toEqual([]);
  });
});

describe('runtime worker threads, each loading the core itself, each running many invocations', () => {
  let bundle: string;
  let threads: InvocationThread[] = [];

  beforeAll(async () => {
    bundle = await bundleInvocationWorker();
  });
  afterAll(async () => {
    await Promise.all(threads.map((thread) => thread.stop()));
    threads = [];
    removeBundle(bundle);
    configureSharp();
  });

  test('three threads with two threads an image: every invocation gets the bytes it gets alone', async () => {
    threads = await Promise.all([1, 2, 3].map(() => InvocationThread.start(bundle, 2)));
    // Each thread's first large picture starts its own helper worker.
    await Promise.all(
      threads.map((thread) => thread.invoke(photo('kite.jpg'), { maxSide: 1600, format: 'png' })),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const order = mixed();

    const outcomes: Outcome[] = await Promise.all(
      order.map(({ case: c }, i) =>
        (threads[i % threads.length] as InvocationThread).invoke(c.image, c.options),
      ),
    );

    order.forEach(({ case: c, status }, i) => {
      const outcome = outcomes[i] as Outcome;
      if (status === undefined) {
        expect(outcome.ok).toBe(true);
        if (outcome.ok) {
          expect({ name: c.name, digest: digest(outcome.data) }).toEqual({
            name: c.name,
            digest: expected.get(c.name),
          });
        }
      } else {
        expect(outcome.ok ? 200 : outcome.statusCode).toBe(status);
      }
    });
    // Answers came from every thread, and each thread's own helper shared the large ones.
    expect(new Set(outcomes.map((outcome) => outcome.threadId)).size).toBe(threads.length);
    const jobs = await Promise.all(threads.map((thread) => thread.helperJobsDone()));
    for (const done of jobs) expect(done).toBeGreaterThan(0);
  });
});

describe('logs of invocations running at once on one runtime thread', () => {
  let bundle: string;

  beforeAll(async () => {
    bundle = await bundleInvocationWorker('logging-worker.ts');
  });
  afterAll(() => removeBundle(bundle));

  /** Runs `count` invocations at once on a fresh thread; their JSON log lines. */
  async function logLines(count: number, scoped: boolean): Promise<Array<Record<string, unknown>>> {
    const worker = new Worker(bundle, {
      env: { ...process.env, AWS_LAMBDA_MAX_CONCURRENCY: String(count) },
      workerData: { scoped },
      stdout: true,
    });
    let output = '';
    worker.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const lines = () => output.split('\n').filter((line) => line.startsWith('{'));
    try {
      const replies: unknown[] = [];
      const replied = new Promise<void>((resolve, reject) => {
        worker.on('error', reject);
        worker.on('message', (reply) => {
          replies.push(reply);
          if (replies.length === 2) resolve();
        });
      });
      const names: PhotoName[] = ['coffee.png', 'rocket.jpg', 'chelsea.png', 'astronaut.png'];
      const batch = Array.from({ length: count }, (_, i) => ({
        requestId: `request-${i + 1}`,
        image: photo(names[i % names.length] as PhotoName),
        maxSide: 200 + 60 * i,
      }));
      worker.postMessage(batch);
      await replied;
      expect(replies[1]).toEqual(batch.map(() => 'fulfilled'));
      // stdout reaches this thread after the reply: wait for every line.
      for (let i = 0; i < 100 && lines().length < 2 * count; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    } finally {
      await worker.terminate();
    }
  }

  test("each line carries its own invocation's request id, with the runtime's context per invocation", async () => {
    const logged = await logLines(6, true);

    const ours = logged.filter((line) => typeof line.invocation === 'string');
    expect(ours).toHaveLength(12);
    for (const line of ours) {
      expect({ invocation: line.invocation, requestId: line.function_request_id }).toEqual({
        invocation: line.invocation,
        requestId: line.invocation,
      });
    }
  });

  test('without that context (a runtime that does not scope invocations) lines take another request id', async () => {
    const logged = await logLines(6, false);

    const mixed = logged.filter(
      (line) => typeof line.invocation === 'string' && line.function_request_id !== line.invocation,
    );
    expect(mixed.length).toBeGreaterThan(0);
  });
});
