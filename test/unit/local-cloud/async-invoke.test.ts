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

function invoker(answers: (InvokeResult | 'throttle')[], config = {}) {
  const calls: string[] = [];
  const sent: { arn: string; record: Record<string, unknown> }[] = [];
  const subject = new AsyncInvoker({
    functionArn: ARN,
    config: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 60, onFailure: QUEUE, ...config },
    invoke: async (_payload, requestId) => {
      calls.push(requestId);
      const answer = answers.shift() ?? ok;
      if (answer === 'throttle') throw new TooManyRequestsError('f');
      return answer;
    },
    retryDelaysMs: [1, 2],
    throttleRetryMs: 1,
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
