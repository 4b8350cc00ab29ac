// The LMI Runtime API over real HTTP: many /next held at once, answers in any order, and a
// late answer to a timed-out invocation refused as AWS's LMI emulator refuses it.
import { LmiRuntimeApi } from '../../../local-cloud/lmi-runtime-api';
import type { RuntimeOutcome } from '../../../local-cloud/runtime-api';
import { waitFor } from '../../support/poll';

const BASE = '/2018-06-01/runtime';
let api: LmiRuntimeApi;

beforeEach(async () => {
  api = await LmiRuntimeApi.start();
});
afterEach(async () => {
  await api.close();
});

const url = (path: string) => `http://${api.address}${BASE}${path}`;
const delivery = (requestId: string) => ({
  requestId,
  payload: Buffer.from(JSON.stringify({ requestId })),
  deadlineMs: Date.now() + 3000,
  functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
  traceId: 'Root=1-0-0;Sampled=0',
});
const post = (path: string, body: string) => fetch(url(path), { method: 'POST', body });

describe('lmi-runtime-api', () => {
  it('holds several /next at once and answers them oldest first', async () => {
    const first = fetch(url('/invocation/next'));
    const second = fetch(url('/invocation/next'));
    await waitFor(() => api.waitingCount === 2, { what: 'two waiting /next', timeoutMs: 2000 });

    api.deliver(delivery('a'));
    api.deliver(delivery('b'));

    const ids = await Promise.all(
      [first, second].map(async (res) => (await res).headers.get('lambda-runtime-aws-request-id')),
    );
    expect(ids).toEqual(['a', 'b']);
    expect(api.waitingCount).toBe(0);
  });

  it('keeps an event until a /next comes, and matches answers by request id in any order', async () => {
    const outcomes: RuntimeOutcome[] = [];
    api.on('outcome', (o) => outcomes.push(o));
    api.deliver(delivery('a'));
    api.deliver(delivery('b'));
    const taken = [await fetch(url('/invocation/next')), await fetch(url('/invocation/next'))];
    expect(taken.map((r) => r.headers.get('lambda-runtime-aws-request-id'))).toEqual(['a', 'b']);

    const answers = [
      await post('/invocation/b/response', '"B"'),
      await post('/invocation/a/error', '{}'),
    ];

    expect(answers.map((r) => r.status)).toEqual([202, 202]);
    expect(outcomes.map((o) => [o.requestId, o.kind, o.payload.toString()])).toEqual([
      ['b', 'response', '"B"'],
      ['a', 'error', '{}'],
    ]);
  });

  it('answers 410 to a timed-out invocation and 400 to an unknown one, reporting neither', async () => {
    const outcomes: RuntimeOutcome[] = [];
    api.on('outcome', (o) => outcomes.push(o));
    api.deliver(delivery('late'));
    await fetch(url('/invocation/next'));
    api.abandon('late');

    const late = await post('/invocation/late/response', '"too late"');
    const unknown = await post('/invocation/nobody/response', '"?"');

    expect(late.status).toBe(410);
    expect(await late.json()).toEqual({
      errorMessage: 'Invoke timeout',
      errorType: 'InvokeTimeout',
    });
    expect(unknown.status).toBe(400);
    expect(outcomes).toEqual([]);
  });
});
