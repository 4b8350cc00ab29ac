// runtime-api-http.ts over real HTTP: the routes and answers both Runtime APIs share.
import type { Listening } from '../../../local-cloud/listen';
import {
  answerInvocation,
  MAX_RESPONSE_BYTES,
  type RuntimeOutcome,
  type RuntimeRequest,
  readRuntimeRequest,
  sendDelivery,
  startRuntimeServer,
} from '../../../local-cloud/runtime-api-http';

let server: Listening;
const seen: (RuntimeRequest | undefined)[] = [];
const outcomes: RuntimeOutcome[] = [];
const base = () => `${server.url}/2018-06-01/runtime`;

beforeEach(async () => {
  seen.length = 0;
  outcomes.length = 0;
  server = await startRuntimeServer(async (req, res) => {
    const request = await readRuntimeRequest(req, res);
    seen.push(request);
    if (request?.route === 'next') {
      sendDelivery(res, {
        requestId: 'r1',
        payload: Buffer.from('{"a":1}'),
        deadlineMs: 1_795_900_000_000,
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
        traceId: 'Root=1-0-0;Sampled=0',
      });
    } else if (request?.route === 'invocation') {
      outcomes.push(answerInvocation(res, request));
    }
  });
});
afterEach(() => server.close());

describe('runtime-api-http', () => {
  it('hands an event to /next with the Runtime API headers', async () => {
    const response = await fetch(`${base()}/invocation/next`);

    expect(response.status).toBe(200);
    expect(response.headers.get('lambda-runtime-aws-request-id')).toBe('r1');
    expect(response.headers.get('lambda-runtime-deadline-ms')).toBe('1795900000000');
    expect(await response.json()).toEqual({ a: 1 });
  });

  it('answers an init error 202 and reads its type', async () => {
    const response = await fetch(`${base()}/init/error`, {
      method: 'POST',
      headers: { 'lambda-runtime-function-error-type': 'Runtime.ImportModuleError' },
      body: '{"errorMessage":"no"}',
    });

    expect(response.status).toBe(202);
    expect(seen[0]).toMatchObject({ route: 'initError', errorType: 'Runtime.ImportModuleError' });
  });

  it('answers an unknown route 404 InvalidRequest and hands nothing on', async () => {
    const response = await fetch(`${base()}/invocation/r1/elsewhere`, { method: 'POST' });

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      errorMessage: 'Not Found',
      errorType: 'InvalidRequest',
    });
    expect(seen).toEqual([undefined]);
  });

  it('accepts an error with Unhandled as its type when the runtime names none', async () => {
    const response = await fetch(`${base()}/invocation/r1/error`, { method: 'POST', body: 'x' });

    expect(response.status).toBe(202);
    expect(outcomes[0]).toEqual({
      kind: 'error',
      requestId: 'r1',
      payload: Buffer.from('x'),
      errorType: 'Unhandled',
    });
  });

  it('answers a response over the 6 MB limit 413 and reports Function.ResponseSizeTooLarge', async () => {
    const response = await fetch(`${base()}/invocation/r1/response`, {
      method: 'POST',
      body: Buffer.alloc(MAX_RESPONSE_BYTES + 1, 32),
    });

    expect(response.status).toBe(413);
    expect(outcomes[0]).toMatchObject({
      kind: 'error',
      requestId: 'r1',
      errorType: 'Function.ResponseSizeTooLarge',
    });
  });
});
