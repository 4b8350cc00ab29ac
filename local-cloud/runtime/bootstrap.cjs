// The runtime client inside each local execution environment: what a Lambda custom runtime
// does, in plain Node with no dependencies. It loads the handler named by _HANDLER from
// LAMBDA_TASK_ROOT (init), then loops: GET /runtime/invocation/next, call the handler with
// (event, context), POST /response or /error. It speaks the Runtime API over HTTP exactly as
// documented (AWS Lambda developer guide, "Using the Lambda runtime API for custom runtimes"),
// so the emulator serving that API is what is tested, not a shortcut. It is copied into the
// environment's own runtime folder, outside the repo, like /var/runtime on Lambda.
//
// Like the nodejs24.x runtime: async (promise) handlers only (callbacks are gone in Node 24's
// runtime), console lines prefixed "<time>\t<requestId>\t<LEVEL>\t", errors reported as
// { errorType, errorMessage, trace }.
'use strict';
const http = require('node:http');
const { format } = require('node:util');
const {
  RUNTIME_API_BASE: base,
  errorBody,
  invokeHandler,
  loadHandler,
  postInitError,
  runtimeApiRequest,
} = require('./runtime-client.cjs');

// One kept-alive socket, as the real runtime client reuses its connection.
const request = runtimeApiRequest(new http.Agent({ keepAlive: true, maxSockets: 1 }));
let currentRequestId;

function patchConsole() {
  const write =
    (level, stream) =>
    (...args) => {
      const line = format(...args).replace(/\n/g, '\r');
      stream.write(
        `${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${line}\n`,
      );
    };
  console.log = write('INFO', process.stdout);
  console.info = write('INFO', process.stdout);
  console.debug = write('DEBUG', process.stdout);
  console.trace = write('TRACE', process.stdout);
  console.warn = write('WARN', process.stderr);
  console.error = write('ERROR', process.stderr);
}

// Differs from bootstrap-lmi.cjs's on purpose: nodejs24.x waits for an empty event loop and
// clamps the remaining time at zero; it sets _X_AMZN_TRACE_ID rather than xRayTraceId.
function contextFor(headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const env = process.env;
  return {
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    console.error(`${err.name}: ${err.message}`);
    await postInitError(request, err);
    process.exit(1);
  }
  for (;;) {
    const next = await request('GET', `${base}/invocation/next`);
    currentRequestId = next.headers['lambda-runtime-aws-request-id'];
    process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'] ?? '';
    await invokeHandler(request, handler, next, contextFor(next.headers), (err) =>
      console.error('Invoke Error', JSON.stringify(errorBody(err))),
    );
  }
}

main().catch((err) => {
  process.stderr.write(`runtime client failed: ${err?.stack}\n`);
  process.exit(1);
});
