// The runtime client inside each local Lambda Managed Instances execution environment,
// modelled on the Node.js runtime interface client's multi-concurrent mode
// (aws/aws-lambda-nodejs-runtime-interface-client: src/worker/ignition.ts, worker-manager.ts,
// src/runtime/runtime.ts, src/logging/formatter.ts; read 2026-12):
//
// - The main thread loads no handler: it starts AWS_LAMBDA_NODEJS_WORKER_COUNT worker threads
//   and waits. A worker that dies is logged and not replaced; the environment runs on with the
//   others, and ends when none is left.
// - Each worker makes the InvokeStore (AsyncLocalStorage, on globalThis.awslambda) before it
//   loads the handler, loads the handler itself (init runs once per worker), then loops: GET
//   /next, start the invocation with setImmediate without awaiting it, GET /next again. So one
//   worker runs many invocations at once, interleaved at every await; how many run in the
//   environment is bounded by the emulator (AWS_LAMBDA_MAX_CONCURRENCY), not here.
// - Each invocation runs inside InvokeStore.run({ request id, X-Ray trace id }), so the console
//   and Powertools know whose it is; _X_AMZN_TRACE_ID is not set (use the context).
// - Logs are JSON only: console lines become {"timestamp","level","requestId","message"}.
//
// One local addition, said in the README: with `--main-thread-require=<modules>` the main
// thread requires those modules (sharp) before it starts the workers. sharp asks for this on
// glibc Linux so that its shared libraries stay loaded while worker threads come and go
// (https://sharp.pixelplumbing.com/install#worker-threads); the runtime client's source does
// not show AWS doing it.
//
// It is copied into the environment's own runtime folder as bootstrap.cjs, with the
// InvokeStore beside it as invoke-store.cjs, as the runtime bundles it in /var/runtime.
'use strict';
const http = require('node:http');
const path = require('node:path');
const { format } = require('node:util');
const { Worker, isMainThread, threadId } = require('node:worker_threads');
const {
  RUNTIME_API_BASE,
  invokeHandler,
  loadHandler,
  postInitError,
  runtimeApiRequest,
} = require('./runtime-client.cjs');

const MAIN_THREAD_REQUIRE = '--main-thread-require=';

function mainThread() {
  const preload = process.argv.find((arg) => arg.startsWith(MAIN_THREAD_REQUIRE));
  for (const name of (preload ?? '').slice(MAIN_THREAD_REQUIRE.length).split(',')) {
    if (name === '') continue;
    try {
      require(name);
    } catch (err) {
      // A function without it has nothing to keep loaded.
      if (err?.code !== 'MODULE_NOT_FOUND') throw err;
    }
  }
  const count = Number(process.env.AWS_LAMBDA_NODEJS_WORKER_COUNT);
  const workers = Number.isInteger(count) && count > 0 ? count : 1;
  let alive = 0;
  for (let i = 0; i < workers; i += 1) {
    // As the runtime does: the workers get the process's flags, minus the heap sizes.
    const execArgv = process.execArgv.filter(
      (arg) => !/^--(expose-gc|max-semi-space-size|max-old-space-size)/.test(arg),
    );
    const worker = new Worker(__filename, { execArgv });
    alive += 1;
    worker.on('error', (err) => {
      process.stderr.write(
        `${JSON.stringify({ timestamp: new Date().toISOString(), level: 'ERROR', message: `Runtime worker failure: ${err?.stack ?? err}` })}\n`,
      );
    });
    worker.on('exit', (code) => {
      alive -= 1;
      if (alive === 0) process.exit(code === 0 ? 1 : code);
    });
  }
}

function loadInvokeStore() {
  try {
    return require(path.join(__dirname, 'invoke-store.cjs'));
  } catch (err) {
    if (err?.code !== 'MODULE_NOT_FOUND') throw err;
    return require('@aws/lambda-invoke-store');
  }
}

async function workerThread() {
  const { InvokeStore, InvokeStoreBase } = loadInvokeStore();
  const KEYS = InvokeStoreBase.PROTECTED_KEYS;
  const store = await InvokeStore.getInstanceAsync();
  // Many requests at once, each on its own kept-alive socket.
  const request = runtimeApiRequest(new http.Agent({ keepAlive: true }));

  const LEVELS = {
    trace: 'TRACE',
    debug: 'DEBUG',
    info: 'INFO',
    log: 'INFO',
    warn: 'WARN',
    error: 'ERROR',
  };
  const jsonLine = (level, message, params) => {
    const record = {
      timestamp: new Date().toISOString(),
      level,
      requestId: store.getRequestId(),
    };
    if (params.length === 0) {
      record.message = message instanceof Error ? errorRecord(message) : message;
    } else {
      record.message = format(message, ...params);
      const error = params.find((p) => p instanceof Error);
      if (error !== undefined) Object.assign(record, errorRecord(error));
    }
    try {
      return JSON.stringify(record);
    } catch {
      return JSON.stringify({ ...record, message: format(message, ...params) });
    }
  };
  for (const [method, level] of Object.entries(LEVELS)) {
    const stream = level === 'WARN' || level === 'ERROR' ? process.stderr : process.stdout;
    console[method] = (message, ...params) => stream.write(`${jsonLine(level, message, params)}\n`);
  }

  let handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    console.error(err);
    await postInitError(request, err);
    return;
  }

  const invoke = (next) =>
    invokeHandler(request, handler, next, contextFor(next.headers), (err) => console.error(err));

  for (;;) {
    let next;
    try {
      next = await request('GET', `${RUNTIME_API_BASE}/invocation/next`);
    } catch {
      return; // the environment is going away
    }
    const context = {
      [KEYS.REQUEST_ID]: next.headers['lambda-runtime-aws-request-id'],
      [KEYS.X_RAY_TRACE_ID]: next.headers['lambda-runtime-trace-id'],
    };
    setImmediate(() => {
      store
        .run(context, () => invoke(next))
        .catch((err) => {
          process.stderr.write(`runtime worker ${threadId}: ${err?.stack ?? err}\n`);
        });
    });
  }
}

function errorRecord(err) {
  return {
    errorType: err?.constructor?.name ?? 'UnknownError',
    errorMessage: err.message,
    stackTrace: typeof err.stack === 'string' ? err.stack.split('\n') : [],
  };
}

// Differs from bootstrap.cjs's on purpose: LMI gives the trace id in the context, does not
// wait for an empty event loop, and lets the remaining time go below zero (code runs on).
function contextFor(headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const env = process.env;
  return {
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    xRayTraceId: headers['lambda-runtime-trace-id'],
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: false,
    // Zero or less means the invocation has timed out; on LMI its code runs on.
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

if (isMainThread) {
  mainThread();
} else {
  workerThread().catch((err) => {
    process.stderr.write(`runtime worker ${threadId} failed: ${err?.stack}\n`);
    process.exit(1);
  });
}
