import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AsyncEventStore } from '../../../local-cloud/async-event-store';
import { AsyncInvoker } from '../../../local-cloud/async-invoke';
import type { InvokeResult } from '../../../local-cloud/environment';
import { TooManyRequestsError } from '../../../local-cloud/function-pool';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f';
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:failures';
const report = {
  requestId: 'r',
  durationMs: 1,
  billedDurationMs: 1,
  memorySizeMb: 128,
  maxMemoryUsedMb: 1,
};
const ok: InvokeResult = { requestId: 'r', payload: Buffer.from('null'), report };
const failed: InvokeResult = {
  requestId: 'r',
  payload: Buffer.from('{"errorType":"Error","errorMessage":"no"}'),
  functionError: 'Unhandled',
  errorType: 'Error',
  report,
};

function invoker(
  answers: (InvokeResult | 'throttle')[],
  config = {},
  extra: { store?: AsyncEventStore; retryDelaysMs?: number[]; onInvoke?: () => void } = {},
) {
  const calls: string[] = [];
  const sent: { arn: string; record: Record<string, unknown> }[] = [];
  const subject = new AsyncInvoker({
    functionArn: ARN,
    config: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 60, onFailure: QUEUE, ...config },
    invoke: async (_payload, requestId) => {
      calls.push(requestId);
      extra.onInvoke?.();
      const answer = answers.shift() ?? ok;
      if (answer === 'throttle') throw new TooManyRequestsError('f');
      return answer;
    },
    retryDelaysMs: extra.retryDelaysMs ?? [1, 2],
    throttleRetryMs: 1,
    ...(extra.store === undefined ? {} : { store: extra.store }),
    sendToDestination: async (arn, record) => {
      sent.push({ arn, record: JSON.parse(record) });
    },
  });
  return { subject, calls, sent };
}

describe('async-invoke', () => {
  it('retries a function error twice with the same request id, then sends a destination record', async () => {
    const { subject, calls, sent } = invoker([failed, failed, failed]);

    const id = subject.submit(Buffer.from('{"Records":[]}'));
    await subject.settled();

    expect(calls).toEqual([id, id, id]);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.arn).toBe(QUEUE);
    expect(sent[0]?.record).toMatchObject({
      version: '1.0',
      requestContext: {
        requestId: id,
        functionArn: `${ARN}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { Records: [] },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'no' },
    });
  });

  it('stops retrying once an attempt succeeds', async () => {
    const { subject, calls, sent } = invoker([failed, ok]);
    subject.submit(Buffer.from('{}'));
    await subject.settled();
    expect(calls).toHaveLength(2);
    expect(sent).toEqual([]);
  });

  it('keeps a throttled event without counting it as an attempt', async () => {
    const { subject, calls, sent } = invoker(['throttle', 'throttle', failed, failed, failed], {
      maximumRetryAttempts: 1,
    });
    subject.submit(Buffer.from('{}'));
    await subject.settled();
    expect(calls).toHaveLength(4);
    expect(sent[0]?.record).toMatchObject({ requestContext: { approximateInvokeCount: 2 } });
  });

  it('gives up on an event older than its maximum age', async () => {
    const answers: ('throttle' | InvokeResult)[] = Array.from({ length: 10_000 }, () => 'throttle');
    const { subject, sent } = invoker(answers, { maximumEventAgeSeconds: 0.05 });
    subject.submit(Buffer.from('{}'));
    await subject.settled();
    expect(sent[0]?.record).toMatchObject({
      requestContext: { condition: 'EventAgeExceeded', approximateInvokeCount: 0 },
    });
  });
});

describe('async-invoke across a stop', () => {
  let dir: string;
  let store: AsyncEventStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'async-invoke-'));
    store = new AsyncEventStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts no retry once stopped, keeps the event, and the next run delivers it', async () => {
    // AWS's first retry waits a minute: the stop comes during that wait.
    const first = invoker([failed], {}, { store, retryDelaysMs: [60_000] });
    const id = first.subject.submit(Buffer.from('{"n":1}'));
    while (first.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));

    first.subject.stop();
    await first.subject.settled();

    expect(first.calls).toEqual([id]);
    expect(store.load()).toMatchObject([{ requestId: id, attempts: 1 }]);

    const next = invoker([ok], {}, { store });
    expect(next.subject.resume()).toBe(1);
    await next.subject.settled();

    expect(next.calls).toEqual([id]);
    expect(next.sent).toEqual([]);
    expect(store.load()).toEqual([]);
  });

  it('does not count an attempt that the shutdown cut short', async () => {
    let subject: AsyncInvoker | undefined;
    // The environment dies under the attempt because the local cloud is stopping.
    const run = invoker([failed], {}, { store, onInvoke: () => subject?.stop() });
    subject = run.subject;

    const id = subject.submit(Buffer.from('{}'));
    await subject.settled();

    expect(store.load()).toMatchObject([{ requestId: id, attempts: 0 }]);
    expect(run.sent).toEqual([]);
  });

  it('keeps an event accepted while stopping without invoking it', async () => {
    const { subject, calls } = invoker([], {}, { store });
    subject.stop();

    const id = subject.submit(Buffer.from('{}'));
    await subject.settled();

    expect(calls).toEqual([]);
    expect(store.load().map((e) => e.requestId)).toEqual([id]);
  });

  it('sends a resumed event whose retries were spent to its destination, with the last answer', async () => {
    const requestId = '11111111-2222-4333-8444-555555555555';
    store.save({
      requestId,
      payload: Buffer.from('{"n":2}'),
      acceptedAt: Date.now(),
      attempts: 3,
      last: { functionError: 'Unhandled', payload: failed.payload },
    });
    const { subject, calls, sent } = invoker([], {}, { store });

    subject.resume();
    await subject.settled();

    expect(calls).toEqual([]);
    expect(sent[0]?.record).toMatchObject({
      requestContext: { requestId, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { n: 2 },
      responsePayload: { errorType: 'Error', errorMessage: 'no' },
    });
    expect(store.load()).toEqual([]);
  });

  it('sends an event older than its maximum age when it comes back', async () => {
    store.save({
      requestId: '11111111-2222-4333-8444-666666666666',
      payload: Buffer.from('{}'),
      acceptedAt: Date.now() - 7 * 3600 * 1000,
      attempts: 1,
    });
    const { subject, calls, sent } = invoker([], { maximumEventAgeSeconds: 21_600 }, { store });

    subject.resume();
    await subject.settled();

    expect(calls).toEqual([]);
    expect(sent[0]?.record).toMatchObject({ requestContext: { condition: 'EventAgeExceeded' } });
  });
});
