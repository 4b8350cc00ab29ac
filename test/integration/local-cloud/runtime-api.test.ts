// The Runtime API spoken by hand, as a runtime client would over HTTP.
import {
  type Delivery,
  MAX_RESPONSE_BYTES,
  RuntimeApi,
  type RuntimeOutcome,
} from '../../../local-cloud/runtime-api';

let api: RuntimeApi;
const base = () => `http://${api.address}/2018-06-01/runtime`;
const delivery = (requestId: string): Delivery => ({
  requestId,
  payload: Buffer.from('{"hello":"world"}'),
  deadlineMs: 1_795_900_000_000,
  functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
  traceId: 'Root=1-5e1b4151-5ac6c58f5f8a1e7c3c0b8d5c;Sampled=0',
});

beforeEach(async () => {
  api = await RuntimeApi.start();
});
afterEach(() => api.close());

async function next(requestId: string) {
  const asked = new Promise<void>((resolve) => api.once('next', () => resolve()));
  const response = fetch(`${base()}/invocation/next`);
  await asked;
  api.deliver(delivery(requestId));
  return response;
}

function outcome(): Promise<RuntimeOutcome> {
  return new Promise((resolve) => api.once('outcome', resolve));
}

describe('runtime-api', () => {
  it('holds /next until an event, then hands it over with Lambda’s headers', async () => {
    const response = await next('req-1');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ hello: 'world' });
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'lambda-runtime-aws-request-id': 'req-1',
      'lambda-runtime-deadline-ms': '1795900000000',
      'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:000000000000:function:f',
      'lambda-runtime-trace-id': 'Root=1-5e1b4151-5ac6c58f5f8a1e7c3c0b8d5c;Sampled=0',
    });
  });

  it('accepts the response for the current request only', async () => {
    await next('req-2');
    const wrong = await fetch(`${base()}/invocation/other/response`, { method: 'POST', body: '1' });
    expect(wrong.status).toBe(400);

    const reported = outcome();
    const right = await fetch(`${base()}/invocation/req-2/response`, {
      method: 'POST',
      body: '{"ok":1}',
    });

    expect([right.status, await right.json()]).toEqual([202, { status: 'OK' }]);
    const got = await reported;
    expect(got.kind).toBe('response');
    expect(got.payload.toString()).toBe('{"ok":1}');
  });

  it('passes on a function error with its type', async () => {
    await next('req-3');
    const reported = outcome();
    await fetch(`${base()}/invocation/req-3/error`, {
      method: 'POST',
      body: '{"errorType":"TypeError","errorMessage":"boom"}',
      headers: { 'lambda-runtime-function-error-type': 'Runtime.UserError' },
    });
    expect(await reported).toMatchObject({
      kind: 'error',
      requestId: 'req-3',
      errorType: 'Runtime.UserError',
    });
  });

  it('refuses a response over 6 MB, as Lambda does', async () => {
    await next('req-4');
    const reported = outcome();
    const response = await fetch(`${base()}/invocation/req-4/response`, {
      method: 'POST',
      body: Buffer.alloc(MAX_RESPONSE_BYTES + 1, 0x61),
    });
    expect(response.status).toBe(413);
    expect(await reported).toMatchObject({
      kind: 'error',
      errorType: 'Function.ResponseSizeTooLarge',
    });
  });

  it('reports an init error', async () => {
    const reported = new Promise<{ errorType: string }>((resolve) =>
      api.once('initError', resolve),
    );
    const response = await fetch(`${base()}/init/error`, {
      method: 'POST',
      body: '{"errorType":"Runtime.ImportModuleError","errorMessage":"x"}',
      headers: { 'lambda-runtime-function-error-type': 'Runtime.ImportModuleError' },
    });
    expect(response.status).toBe(202);
    expect((await reported).errorType).toBe('Runtime.ImportModuleError');
  });
});
