/**
 * One upload, one processing run: the URL that POST /uploads hands out writes its key once,
 * however many times it is used, so its S3 notification (and the processing it triggers)
 * fires once. The lambda-zip handlers run in-process against the local cloud's S3 endpoint,
 * which checks presigned URLs and conditional writes as S3 does; its notifications, in S3's
 * event shape, invoke the process handler as S3 would.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type S3Endpoint, startS3Endpoint } from '../../local-cloud/s3-endpoint';
import { s3Notification } from '../../local-cloud/s3-notifications';
import type * as ApiModule from '../../services/api/handler';
import type * as ProcessModule from '../../services/process/handler';
import { photo } from '../support/fixtures';
import { type HttpRequest, httpApiEvent, lambdaContext } from '../support/lambda-events';
import { sleep, waitFor } from '../support/poll';

jest.setTimeout(60_000);

const BUCKET = 'single-use-uploads';
let s3: S3Endpoint;
let api: typeof ApiModule.handler;
let processHandler: typeof ProcessModule.handler;
/** Every processing run the notifications started, settled or not. */
const runs: { key: string; done: Promise<unknown> }[] = [];

beforeAll(async () => {
  s3 = await startS3Endpoint({
    buckets: [BUCKET],
    queues: [],
    onObjectCreated: (created) => {
      if (!created.key.startsWith('uploads/')) return;
      const event = s3Notification(created, { region: s3.region, configurationId: 'uploads' });
      runs.push({
        key: created.key,
        done: processHandler(event as never, lambdaContext('cartoon-compute-dev-process')),
      });
    },
  });
  // The handlers read their configuration once, at module load, as on Lambda.
  Object.assign(process.env, {
    BUCKET_NAME: BUCKET,
    S3_ENDPOINT: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    VARIANT: 'lambda-zip',
    S3_MAX_SIDE: '256',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_SERVICE_NAME: 'cartoon-compute',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  });
  api = (require('../../services/api/handler') as typeof ApiModule).handler;
  processHandler = (require('../../services/process/handler') as typeof ProcessModule).handler;
}, 30_000);

afterAll(async () => {
  await Promise.allSettled(runs.map((run) => run.done));
  await s3?.close();
});

async function call(request: HttpRequest): Promise<{ statusCode: number; json: unknown }> {
  const result = (await api(
    httpApiEvent(request),
    lambdaContext('cartoon-compute-dev-api'),
  )) as APIGatewayProxyStructuredResultV2;
  return { statusCode: result.statusCode ?? 0, json: JSON.parse(String(result.body)) };
}

interface Created {
  id: string;
  key: string;
  upload: { method: string; url: string; headers: Record<string, string> };
}

test('4 PUTs to one upload URL store the first body and start exactly 1 processing run', async () => {
  const bytes = photo('coffee.png');
  const created = await call({
    method: 'POST',
    url: '/uploads',
    body: JSON.stringify({ contentType: 'image/png', contentLength: bytes.length }),
  });
  expect(created.statusCode).toBe(201);
  const { id, key, upload } = created.json as Created;

  // The first PUT lands; three more reuse the URL, two of them racing each other.
  const first = await fetch(upload.url, {
    method: upload.method,
    headers: upload.headers,
    body: bytes,
  });
  const again = await Promise.all(
    [0, 1].map(() =>
      fetch(upload.url, { method: upload.method, headers: upload.headers, body: bytes }),
    ),
  );
  await sleep(100);
  const last = await fetch(upload.url, {
    method: upload.method,
    headers: upload.headers,
    body: bytes,
  });

  expect(first.status).toBe(200);
  expect([...again, last].map((answer) => answer.status)).toEqual([412, 412, 412]);
  expect(await last.text()).toMatch(/<Code>PreconditionFailed<\/Code>/);
  await waitFor(() => runs.length > 0, { what: 'the processing run', timeoutMs: 10_000 });
  await Promise.all(runs.map((run) => run.done));
  await sleep(500);
  expect(runs.map((run) => run.key)).toEqual([key]);
  const status = await call({ method: 'GET', url: `/cartoons/${id}` });
  expect(status.json).toMatchObject({ id, status: 'done' });
});
