// The Lambda Managed Instances emulator against real processes: each environment is a Node
// process running bootstrap-lmi.cjs's worker threads and the fixture test/fixtures/functions/lmi.js.
import { TooManyRequestsError } from '../../../local-cloud/function-pool';
import { parseLmiReports } from '../../../local-cloud/lmi-log';
import type { LmiPool } from '../../../local-cloud/lmi-pool';
import { json } from '../../support/fixture-functions';
import { lmiPool } from '../../support/lmi-fixtures';
import { alive, sleep, waitFor } from '../../support/poll';

jest.setTimeout(30_000);

interface Answer {
  readonly id: number;
  readonly pid: number;
  readonly threadId: number;
  readonly initAt: number;
  readonly ticks: number;
  readonly mostAtOnce: number;
  readonly requestId: string;
  readonly storeRequestId: string;
  readonly traceVariable: string | null;
  readonly maxConcurrency: string;
  readonly workers: string;
  readonly initializationType: string;
}

const pools: LmiPool[] = [];
function pool(...args: Parameters<typeof lmiPool>): LmiPool {
  const created = lmiPool(...args);
  pools.push(created);
  return created;
}
const event = (value: unknown) => Buffer.from(JSON.stringify(value));
const records = (lines: string[]) =>
  lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop()));
});

describe('lmi-pool', () => {
  it('starts its minimum environments before any invocation, each initialised once', async () => {
    const lines: string[] = [];
    const lmi = pool(lines, { minEnvironments: 2, maxEnvironments: 2 });

    await lmi.ready();

    expect(lmi.size).toBe(2);
    expect(lmi.pids().every(alive)).toBe(true);
    const inits = records(lines).filter((r) => r.type === 'platform.initReport');
    expect(inits).toHaveLength(2);
    expect(inits.map((r) => (r.record as { status: string }).status)).toEqual([
      'success',
      'success',
    ]);
  });

  it('runs many invocations at once in one process, each worker thread with its own init', async () => {
    const lmi = pool([], { environment: { workers: 2, maxConcurrency: 8 } });
    await lmi.ready();

    const started = performance.now();
    const results = await Promise.all(
      [1, 2, 3, 4, 5, 6, 7, 8].map((id) => lmi.invoke(event({ id, ms: 400 }))),
    );
    const elapsed = performance.now() - started;

    const answers = results.map((r) => json<Answer>(r.payload));
    expect(new Set(answers.map((a) => a.pid)).size).toBe(1);
    // Eight 400 ms invocations one after another would take 3.2 s.
    expect(elapsed).toBeLessThan(2000);
    expect(new Set(answers.map((a) => a.threadId)).size).toBe(2);
    // Module state is per worker: one init time per thread.
    expect(new Set(answers.map((a) => `${a.threadId}:${a.initAt}`)).size).toBe(2);
    expect(Math.max(...answers.map((a) => a.mostAtOnce))).toBeGreaterThan(1);
    for (const [i, answer] of answers.entries()) {
      expect(answer.id).toBe(i + 1);
      expect(answer.requestId).toBe(results[i]?.requestId);
      expect(answer.storeRequestId).toBe(answer.requestId);
    }
    expect(answers[0]).toMatchObject({
      traceVariable: null,
      maxConcurrency: '8',
      workers: '2',
      initializationType: 'lambda-managed-instances',
    });
  });

  it('never freezes an environment: its timers run between invocations', async () => {
    const lmi = pool([]);
    await lmi.ready();

    const first = json<Answer>((await lmi.invoke(event({ id: 1 }))).payload);
    await sleep(600);
    const second = json<Answer>((await lmi.invoke(event({ id: 2 }))).payload);

    expect(second.pid).toBe(first.pid);
    // A 20 ms interval: about 30 ticks in 600 ms; a frozen process would have none.
    expect(second.ticks - first.ticks).toBeGreaterThanOrEqual(10);
  });

  it('answers a timed-out invocation with Sandbox.Timedout and lets its code run on', async () => {
    const lines: string[] = [];
    const lmi = pool(lines, { environment: { timeoutSeconds: 1 } });
    await lmi.ready();
    const [pid] = lmi.pids();

    const late = await lmi.invoke(event({ id: 1, ms: 1500 }));

    expect(late.functionError).toBe('Unhandled');
    expect(late.errorType).toBe('Sandbox.Timedout');
    expect(json(late.payload).errorMessage).toContain('Task timed out after 1.00 seconds');
    // The slot is free again and the process the same: nothing was killed.
    const next = json<Answer>((await lmi.invoke(event({ id: 2 }))).payload);
    expect(next.pid).toBe(pid);
    const finished = await waitFor(
      () =>
        records(lines).find(
          (r) => r.message === 'finished after its timeout' && r.requestId === late.requestId,
        ),
      { what: 'the timed-out code to finish', timeoutMs: 5000 },
    );
    expect(finished.level).toBe('INFO');
    const report = parseLmiReports(lines.join('\n')).find((r) => r.requestId === late.requestId);
    expect(report).toMatchObject({ status: 'timeout', errorType: 'Sandbox.Timedout' });
  });

  it('throttles when every slot of every environment is busy', async () => {
    const lmi = pool([], { environment: { maxConcurrency: 2 } });
    await lmi.ready();

    const busy = [1, 2].map((id) => lmi.invoke(event({ id, ms: 500 })));
    const refused = lmi.invoke(event({ id: 3 }));

    await expect(refused).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(lmi.throttles).toBe(1);
    const done = await Promise.all(busy);
    expect(done.every((r) => r.functionError === undefined)).toBe(true);
    // Free again once they answered.
    expect((await lmi.invoke(event({ id: 4 }))).functionError).toBeUndefined();
  });

  it('logs JSON lines, each with the request id of the invocation that wrote it', async () => {
    const lines: string[] = [];
    const lmi = pool(lines, { environment: { workers: 2, maxConcurrency: 6 } });
    await lmi.ready();

    const results = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((id) => lmi.invoke(event({ id, ms: 200 }))),
    );

    const started = records(lines).filter(
      (r) => typeof r.message === 'string' && r.message.startsWith('started'),
    );
    const byId = new Map(results.map((r) => [r.requestId, json<Answer>(r.payload).id]));
    expect(started).toHaveLength(6);
    for (const line of started) {
      expect(line.level).toBe('INFO');
      expect(line.message).toBe(`started { id: ${byId.get(String(line.requestId))} }`);
    }
    const reports = parseLmiReports(lines.join('\n'));
    expect(new Set(reports.map((r) => r.requestId))).toEqual(new Set(byId.keys()));
    expect(reports.every((r) => r.status === 'success' && r.durationMs >= 200)).toBe(true);
  });

  it('adds an environment in the background when CPU stays above its target, and removes it when idle', async () => {
    const notes: string[] = [];
    const lmi = pool([], {
      maxEnvironments: 2,
      cpuTarget: 0.5,
      timing: { sampleMs: 100, scaleUpAfterMs: 300, scaleDownAfterMs: 800 },
      note: (message) => notes.push(message),
      environment: { maxConcurrency: 2 },
    });
    await lmi.ready();
    expect(lmi.size).toBe(1);

    // Spinning invocations keep the environment's one vCPU busy.
    let load = true;
    const loop = (async () => {
      while (load) {
        await lmi.invoke(event({ spin: 200 })).catch(() => undefined);
      }
    })();
    await waitFor(() => lmi.size === 2, { what: 'a second environment', timeoutMs: 10_000 });
    load = false;
    await loop;

    expect(notes.some((n) => n.includes('scaling out to 2 environments'))).toBe(true);
    await waitFor(() => lmi.size === 1, { what: 'scaling back in', timeoutMs: 10_000 });
    expect(notes.some((n) => n.includes('scaling in to 1 environments'))).toBe(true);
  });

  it('fails every invocation with the init error when the handler cannot load, without restarting it', async () => {
    const notes: string[] = [];
    const lmi = pool([], {
      environment: { handler: 'missing.handler' },
      note: (message) => notes.push(message),
    });
    await lmi.ready();
    await waitFor(() => lmi.size === 0, { what: 'the failed environment to go', timeoutMs: 5000 });

    const result = await lmi.invoke(event({}));

    expect(result.functionError).toBe('Unhandled');
    expect(result.errorType).toBe('Runtime.ImportModuleError');
    await sleep(300);
    expect(lmi.size).toBe(0);
    expect(notes.some((n) => n.includes('failed its init'))).toBe(true);
  });
});
