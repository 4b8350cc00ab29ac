// Runs under qemu-aarch64 on the arm64 node, the way Lambda runs the `api` function: the
// function zip unpacked as LAMBDA_TASK_ROOT (/var/task), the layer as /opt with
// /opt/nodejs/node_modules on NODE_PATH. scripts/test-arm64.ts copies this file next to
// them, so it is plain CommonJS and nothing here may come from the repo.
//
//   node invoke.js <photo.jpg> <out.jpg>
//
// Sends `POST /cartoon?style=comic&maxSide=256` (an API Gateway HTTP API v2.0 event with a
// base64 body) and `GET /health`, writes the decoded cartoon to <out.jpg>, and prints one
// line, RESULT_MARKER followed by JSON, for the host script to check.

const { randomUUID } = require('node:crypto');
const fs = require('node:fs');
const { createRequire } = require('node:module');
const path = require('node:path');

const RESULT_MARKER = 'ARM64_RESULT ';
const FUNCTION_NAME = process.env.AWS_LAMBDA_FUNCTION_NAME || 'cartoon-compute-arm64-test-api';
const TIMEOUT_MS = 29_000;

/** The context object the Node.js runtime hands a handler; Powertools reads its fields. */
function lambdaContext() {
  const deadline = Date.now() + TIMEOUT_MS;
  return {
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${FUNCTION_NAME}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE || '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}

/** An API Gateway HTTP API event, payload format 2.0, as the `$default` stage sends it. */
function httpApiEvent(method, rawPath, query, headers, body) {
  const rawQueryString = new URLSearchParams(query).toString();
  const now = new Date();
  const event = {
    version: '2.0',
    routeKey: `${method} ${rawPath}`,
    rawPath,
    rawQueryString,
    headers: {
      accept: '*/*',
      host: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
      'user-agent': 'cartoon-compute-arm64-test',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...(body ? { 'content-length': String(body.length) } : {}),
      ...headers,
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      domainName: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abcdef1234',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'cartoon-compute-arm64-test',
      },
      requestId: randomUUID(),
      routeKey: `${method} ${rawPath}`,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: Boolean(body),
  };
  if (rawQueryString) event.queryStringParameters = query;
  if (body) event.body = body.toString('base64');
  return event;
}

function decodedBody(response) {
  return Buffer.from(response.body || '', response.isBase64Encoded ? 'base64' : 'utf8');
}

async function main() {
  const [photoPath, outPath] = process.argv.slice(2);
  if (!photoPath || !outPath) throw new Error('usage: node invoke.js <photo.jpg> <out.jpg>');
  const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const sandbox = path.resolve(taskRoot, '..', '..');
  const handlerFile = path.join(taskRoot, 'index.js');

  let started = performance.now();
  const { handler } = require(handlerFile);
  const initMs = performance.now() - started;

  const photo = fs.readFileSync(photoPath);
  const cartoonEvent = httpApiEvent(
    'POST',
    '/cartoon',
    { style: 'comic', maxSide: '256' },
    { 'content-type': 'image/jpeg' },
    photo,
  );
  started = performance.now();
  const cartoon = await handler(cartoonEvent, lambdaContext());
  const cartoonMs = performance.now() - started;
  const body = decodedBody(cartoon);
  fs.writeFileSync(outPath, body);

  const health = await handler(httpApiEvent('GET', '/health', {}, {}, null), lambdaContext());

  // Resolved as the handler resolves it, not from this file.
  const fromHandler = createRequire(handlerFile);
  const maps = fs.readFileSync('/proc/self/maps', 'utf8').split('\n');
  const result = {
    arch: process.arch,
    version: process.version,
    initMs: Math.round(initMs),
    cartoonMs: Math.round(cartoonMs),
    statusCode: cartoon.statusCode,
    headers: cartoon.headers,
    isBase64Encoded: cartoon.isBase64Encoded,
    bodyLength: body.length,
    bodyHead: body.subarray(0, 3).toString('hex'),
    errorBody: cartoon.statusCode === 200 ? undefined : body.toString('utf8').slice(0, 500),
    sharp: fromHandler.resolve('sharp'),
    sharpVersions: fromHandler('sharp').versions,
    nativeModules: Object.keys(require.cache).filter((file) => file.endsWith('.node')),
    libvips: [
      ...new Set(
        maps.filter((line) => line.includes('libvips-cpp')).map((l) => l.slice(l.indexOf('/'))),
      ),
    ],
    loadedOutsideSandbox: Object.keys(require.cache).filter(
      (file) => !file.startsWith(sandbox + path.sep),
    ),
    health: { statusCode: health.statusCode, body: decodedBody(health).toString('utf8') },
  };
  console.log(RESULT_MARKER + JSON.stringify(result));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
