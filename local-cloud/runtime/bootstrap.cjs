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
const path = require('node:path');
const { format } = require('node:util');

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const [apiHost, apiPort] = api.split(':');
const base = '/2018-06-01/runtime';
// One kept-alive socket, as the real runtime client reuses its connection.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let currentRequestId;

function request(method, urlPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: apiHost, port: Number(apiPort), method, path: urlPath, agent, headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

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

function errorBody(err) {
  const e = err instanceof Error ? err : new Error(String(err));
  return JSON.stringify({
    errorType: e.name || 'Error',
    errorMessage: e.message,
    trace: String(e.stack || '').split('\n'),
  });
}

async function loadHandler() {
  const handlerSetting = process.env._HANDLER;
  const dot = handlerSetting.lastIndexOf('.');
  const moduleName = handlerSetting.slice(0, dot);
  const exportName = handlerSetting.slice(dot + 1);
  const root = process.env.LAMBDA_TASK_ROOT;
  const fs = require('node:fs');
  const candidates = ['.js', '.mjs', '.cjs'].map((ext) => path.join(root, moduleName + ext));
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) {
    const err = new Error(`Cannot find module '${moduleName}'`);
    err.name = 'Runtime.ImportModuleError';
    throw err;
  }
  const mod = file.endsWith('.mjs')
    ? await import(require('node:url').pathToFileURL(file).href)
    : require(file);
  const handler = mod[exportName] ?? mod.default?.[exportName];
  if (typeof handler !== 'function') {
    const err = new Error(`${handlerSetting} is undefined or not exported`);
    err.name = 'Runtime.HandlerNotFound';
    throw err;
  }
  return handler;
}

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
    await request('POST', `${base}/init/error`, errorBody(err), {
      'content-type': 'application/json',
      'lambda-runtime-function-error-type': err.name,
    });
    process.exit(1);
  }
  for (;;) {
    const next = await request('GET', `${base}/invocation/next`);
    const id = next.headers['lambda-runtime-aws-request-id'];
    currentRequestId = id;
    process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'] ?? '';
    try {
      const event = JSON.parse(next.body.toString('utf8'));
      const result = await handler(event, contextFor(next.headers));
      const body = result === undefined ? 'null' : JSON.stringify(result);
      await request('POST', `${base}/invocation/${id}/response`, body, {
        'content-type': 'application/json',
      });
    } catch (err) {
      console.error('Invoke Error', errorBody(err));
      await request('POST', `${base}/invocation/${id}/error`, errorBody(err), {
        'content-type': 'application/json',
        'lambda-runtime-function-error-type': 'Runtime.UserError',
      });
    }
  }
}

main().catch((err) => {
  process.stderr.write(`runtime client failed: ${err?.stack}\n`);
  process.exit(1);
});
