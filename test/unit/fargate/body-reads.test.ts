/**
 * The bound and the deadlines on bodies still arriving (services/fargate/body-reads.ts), on a
 * fake clock: no sockets here, the server's own tests send real bodies.
 */
import { createBodyReads } from '../../../services/fargate/body-reads';

beforeEach(() => jest.useFakeTimers({ now: 0 }));
afterEach(() => jest.useRealTimers());

const reads = (max = 2, timeoutMs = 10_000) =>
  createBodyReads({ max, timeoutMs, now: () => Date.now() });

test('at most `max` bodies are read at once; a finished one frees its place', () => {
  const bodies = reads(2);

  const first = bodies.start(100, () => undefined);
  const second = bodies.start(100, () => undefined);
  const third = bodies.start(100, () => undefined);
  first?.finish();
  const fourth = bodies.start(100, () => undefined);

  expect([first, second, third, fourth].map((read) => read !== undefined)).toEqual([
    true,
    true,
    false,
    true,
  ]);
  expect(bodies.reading).toBe(2);
});

test('a body still arriving at the deadline is late once, and frees its place', () => {
  const bodies = reads(1, 10_000);
  const late = jest.fn();
  bodies.start(100, late);

  jest.advanceTimersByTime(9_999);
  expect(late).not.toHaveBeenCalled();
  jest.advanceTimersByTime(1);

  expect(late).toHaveBeenCalledTimes(1);
  expect(bodies.reading).toBe(0);
  jest.advanceTimersByTime(60_000);
  expect(late).toHaveBeenCalledTimes(1);
});

test('a body that ends in time is never late', () => {
  const bodies = reads();
  const late = jest.fn();
  const read = bodies.start(100, late);
  read?.received(100);
  read?.finish();

  jest.advanceTimersByTime(60_000);

  expect(late).not.toHaveBeenCalled();
});

test('hurry cuts what cannot arrive within the grace at its pace, and shortens the rest', () => {
  const bodies = reads(10, 60_000);
  const trickler = jest.fn();
  const uploader = jest.fn();
  const newcomer = jest.fn();
  const slow = bodies.start(100_000, trickler);
  const fast = bodies.start(1_000_000, uploader);
  jest.advanceTimersByTime(2_000);
  slow?.received(2); // 1 byte/s
  fast?.received(600_000); // 300 kB/s: 400 kB more take 1.3 s
  bodies.start(100_000, newcomer); // no pace yet

  const cut = bodies.hurry(5_000);

  expect(cut).toBe(1);
  expect(trickler).toHaveBeenCalledTimes(1);
  expect(uploader).not.toHaveBeenCalled();
  // The others now have the grace, not the rest of their 60 s.
  jest.advanceTimersByTime(5_000);
  expect(uploader).toHaveBeenCalledTimes(1);
  expect(newcomer).toHaveBeenCalledTimes(1);
});
