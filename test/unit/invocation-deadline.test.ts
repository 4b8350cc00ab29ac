// AbortSignal.timeout runs on Node's own timers, which jest's fake clock does not drive: these
// tests wait for real, with deadlines far enough apart that a loaded machine cannot confuse
// "not yet" with "fired".
import { setTimeout as sleep } from 'node:timers/promises';
import { DEADLINE_MARGIN_MS, invocationDeadline } from '../../services/shared/invocation-deadline';

const remaining = (ms: number) => ({ getRemainingTimeInMillis: () => ms });

const firedWithin = (signal: AbortSignal, ms: number) =>
  Promise.race([
    new Promise<boolean>((resolve) => signal.addEventListener('abort', () => resolve(true))),
    sleep(ms, false, { ref: false }),
  ]);

describe('invocationDeadline', () => {
  test('fires the margin before the invocation’s time is up, as a TimeoutError', async () => {
    const signal = invocationDeadline(remaining(DEADLINE_MARGIN_MS + 150));

    expect(signal.aborted).toBe(false);
    expect(await firedWithin(signal, 5_000)).toBe(true);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  test('does not fire while more than the margin is left', async () => {
    const signal = invocationDeadline(remaining(DEADLINE_MARGIN_MS + 60_000));

    expect(await firedWithin(signal, 300)).toBe(false);
  });

  test('with less time left than the margin it has already fired', () => {
    const signal = invocationDeadline(remaining(DEADLINE_MARGIN_MS - 1));

    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  test('takes another margin', () => {
    expect(invocationDeadline(remaining(500), 499).aborted).toBe(false);
    expect(invocationDeadline(remaining(500), 500).aborted).toBe(true);
  });
});
