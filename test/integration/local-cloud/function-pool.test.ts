// The Lambda emulator against real processes: each environment is a Node process running the
// fixture functions in test/fixtures/functions.
import type { FunctionPool } from '../../../local-cloud/function-pool';
import { TooManyRequestsError } from '../../../local-cloud/function-pool';
import { parseReports } from '../../../local-cloud/report-log';
import { fixturePool, json } from '../../support/fixture-functions';
import { alive, sleep } from '../../support/poll';

const pools: FunctionPool[] = [];
function pool(...args: Parameters<typeof fixturePool>): FunctionPool {
  const created = fixturePool(...args);
  pools.push(created);
  return created;
}
const event = (value: unknown) => Buffer.from(JSON.stringify(value));

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop()));
});

describe('function-pool', () => {
  it('starts cold with an Init Duration, then answers warm from the same environment', async () => {
    const lines: string[] = [];
    const hello = pool('hello', lines);

    const first = await hello.invoke(event({ n: 1 }));
    const second = await hello.invoke(event({ n: 2 }));

    const a = json(first.payload);
    const b = json(second.payload);
    expect(first.report.initDurationMs).toBeGreaterThan(0);
    expect(second.report.initDurationMs).toBeUndefined();
    expect(b.pid).toBe(a.pid);
    expect(b.invocations).toBe(2);
    expect(a).toMatchObject({
      initializationType: 'on-demand',
      functionName: 'fixture-hello',
      memorySize: '256',
      tz: ':UTC',
      handler: 'hello.handler',
      executionEnv: 'AWS_Lambda_nodejs24.x',
      requestId: first.requestId,
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fixture-hello',
      event: { n: 1 },
    });
    expect(a.remainingMs).toBeGreaterThan(2000);
    expect(a.remainingMs).toBeLessThanOrEqual(3000);
    await sleep(50);
    expect(lines).toContain(`START RequestId: ${first.requestId} Version: $LATEST`);
    expect(lines).toContain(`END RequestId: ${second.requestId}`);
    const reports = parseReports(lines.join('\n'));
    expect(reports.map((r) => r.initDurationMs !== undefined)).toEqual([true, false]);
    expect(reports[0]?.maxMemoryUsedMb).toBeGreaterThan(10);
  });

  it('gives four concurrent invocations four environments', async () => {
    const sleeper = pool('sleep', []);
    const results = await Promise.all([1, 2, 3, 4].map(() => sleeper.invoke(event({ ms: 300 }))));
    const pids = new Set(results.map((r) => json(r.payload).pid));
    expect(pids.size).toBe(4);
    expect(sleeper.size).toBe(4);
    expect(results.every((r) => r.report.initDurationMs !== undefined)).toBe(true);
  });

  it('reaps an idle environment, so the next invocation is cold again', async () => {
    const hello = pool('hello', [], { idleTimeoutMs: 150 });
    const first = await hello.invoke(event({}));
    const pid = json(first.payload).pid as number;

    await sleep(700);

    expect(hello.size).toBe(0);
    expect(alive(pid)).toBe(false);
    const again = await hello.invoke(event({}));
    expect(again.report.initDurationMs).toBeGreaterThan(0);
    expect(json(again.payload).pid).not.toBe(pid);
  });

  it('initialises provisioned environments ahead, so the first request is warm', async () => {
    const hello = pool('hello', [], { provisionedConcurrency: 1, idleTimeoutMs: 50 });
    await hello.ready();
    expect(hello.size).toBe(1);

    const first = await hello.invoke(event({}));

    expect(first.report.initDurationMs).toBeUndefined();
    expect(json(first.payload).initializationType).toBe('provisioned-concurrency');
    await sleep(300);
    expect(hello.size).toBe(1); // provisioned environments are never reaped
  });

  it('kills a handler that runs past its timeout and answers as Lambda does', async () => {
    const lines: string[] = [];
    const sleeper = pool('sleep', lines, { environment: { timeoutSeconds: 1 } });
    const warm = await sleeper.invoke(event({ ms: 0 }));
    const pid = json(warm.payload).pid as number;

    const timedOut = await sleeper.invoke(event({ ms: 5000 }));

    expect(timedOut.functionError).toBe('Unhandled');
    expect(json(timedOut.payload)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${timedOut.requestId} Error: Task timed out after 1.00 seconds`,
    });
    expect(timedOut.report.status).toBe('timeout');
    expect(timedOut.report.durationMs).toBeGreaterThanOrEqual(1000);
    expect(timedOut.report.durationMs).toBeLessThan(1500);
    expect(
      lines.some((l) => l.endsWith(`${timedOut.requestId} Task timed out after 1.00 seconds`)),
    ).toBe(true);
    await sleep(50);
    expect(alive(pid)).toBe(false);
    const next = await sleeper.invoke(event({ ms: 0 }));
    expect(json(next.payload).pid).not.toBe(pid);
    expect(next.report.initDurationMs).toBeGreaterThan(0);
  });

  it('answers Runtime.ExitError when the process exits, and replaces the environment', async () => {
    const exiting = pool('exit', []);

    const crashed = await exiting.invoke(event({ code: 3 }));
    const next = await exiting.invoke(event({ exit: false }));

    expect(crashed.errorType).toBe('Runtime.ExitError');
    expect(json(crashed.payload).errorMessage).toBe(
      `RequestId: ${crashed.requestId} Error: Runtime exited with error: exit status 3`,
    );
    expect(crashed.report).toMatchObject({ status: 'error', errorType: 'Runtime.ExitError' });
    expect(next.functionError).toBeUndefined();
    expect(next.report.initDurationMs).toBeGreaterThan(0);
  });

  it('throttles past its reserved concurrency', async () => {
    const sleeper = pool('sleep', [], { maxConcurrency: 1 });
    const busy = sleeper.invoke(event({ ms: 500 }));
    await sleep(50);

    await expect(sleeper.invoke(event({ ms: 0 }))).rejects.toBeInstanceOf(TooManyRequestsError);
    await busy;
    expect((await sleeper.invoke(event({ ms: 0 }))).functionError).toBeUndefined();
  });

  it('freezes an environment between invocations, so its timers do not run', async () => {
    const timer = pool('timer', []);
    const first = json<{ ticksNow: number; pid: number }>((await timer.invoke(event({}))).payload);

    await sleep(600); // 60 ticks if it were running

    const second = json<{ ticksBefore: number; pid: number }>(
      (await timer.invoke(event({}))).payload,
    );
    expect(second.pid).toBe(first.pid);
    expect(second.ticksBefore - first.ticksNow).toBeLessThanOrEqual(3);
  });
});
