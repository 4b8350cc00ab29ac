// What both local runtime clients (bootstrap.cjs, one invocation at a time, and bootstrap-lmi.cjs,
// Lambda Managed Instances' worker threads) do the same way: speak HTTP to the Runtime API,
// load the handler named by _HANDLER from LAMBDA_TASK_ROOT, and shape an error as the Runtime
// API's { errorType, errorMessage, trace }. Plain Node with no dependencies; it is copied into
// each environment's runtime folder beside the bootstrap (artifacts.ts installRuntimeClient).
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const RUNTIME_API_BASE = '/2018-06-01/runtime';

/**
 * A request function for the Runtime API at AWS_LAMBDA_RUNTIME_API, over `agent` (its socket
 * policy is the caller's: one kept-alive socket, or many at once).
 *
 * @example
 * const request = runtimeApiRequest(new http.Agent({ keepAlive: true, maxSockets: 1 }));
 * const next = await request('GET', `${RUNTIME_API_BASE}/invocation/next`);
 */
function runtimeApiRequest(agent) {
  const [apiHost, apiPort] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
  return (method, urlPath, body, headers = {}) =>
    new Promise((resolve, reject) => {
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

/**
 * The Runtime API's error document for `err` (anything thrown), as an object.
 *
 * @example
 * JSON.stringify(errorBody(new TypeError('bad'))); // {"errorType":"TypeError",...}
 */
function errorBody(err) {
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    errorType: e.name || 'Error',
    errorMessage: e.message,
    trace: String(e.stack || '').split('\n'),
  };
}

/**
 * Loads the handler `_HANDLER` names (module.export) from LAMBDA_TASK_ROOT, trying .js, .mjs
 * and .cjs; throws Runtime.ImportModuleError or Runtime.HandlerNotFound as Lambda names them.
 *
 * @example
 * const handler = await loadHandler(); // _HANDLER=index.handler
 */
async function loadHandler() {
  const handlerSetting = process.env._HANDLER;
  const dot = handlerSetting.lastIndexOf('.');
  const moduleName = handlerSetting.slice(0, dot);
  const exportName = handlerSetting.slice(dot + 1);
  const root = process.env.LAMBDA_TASK_ROOT;
  const candidates = ['.js', '.mjs', '.cjs'].map((ext) => path.join(root, moduleName + ext));
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) {
    const err = new Error(`Cannot find module '${moduleName}'`);
    err.name = 'Runtime.ImportModuleError';
    throw err;
  }
  const mod = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : require(file);
  const handler = mod[exportName] ?? mod.default?.[exportName];
  if (typeof handler !== 'function') {
    const err = new Error(`${handlerSetting} is undefined or not exported`);
    err.name = 'Runtime.HandlerNotFound';
    throw err;
  }
  return handler;
}

/**
 * Reports a failed init to the Runtime API, as `err.name`.
 *
 * @example
 * await postInitError(request, err);
 */
function postInitError(request, err) {
  return request('POST', `${RUNTIME_API_BASE}/init/error`, JSON.stringify(errorBody(err)), {
    'content-type': 'application/json',
    'lambda-runtime-function-error-type': err.name,
  });
}

/**
 * Runs one invocation from a `/next` answer: parses the event, calls the handler with
 * `context`, and posts its result to /response, or what it threw (after `logError(err)`, each
 * runtime logs it its own way) to /error as Runtime.UserError.
 *
 * @example
 * await invokeHandler(request, handler, next, contextFor(next.headers), console.error);
 */
async function invokeHandler(request, handler, next, context, logError) {
  const id = next.headers['lambda-runtime-aws-request-id'];
  try {
    const event = JSON.parse(next.body.toString('utf8'));
    const result = await handler(event, context);
    const body = result === undefined ? 'null' : JSON.stringify(result);
    await request('POST', `${RUNTIME_API_BASE}/invocation/${id}/response`, body, {
      'content-type': 'application/json',
    });
  } catch (err) {
    logError(err);
    await request(
      'POST',
      `${RUNTIME_API_BASE}/invocation/${id}/error`,
      JSON.stringify(errorBody(err)),
      {
        'content-type': 'application/json',
        'lambda-runtime-function-error-type': 'Runtime.UserError',
      },
    );
  }
}

module.exports = {
  RUNTIME_API_BASE,
  runtimeApiRequest,
  errorBody,
  loadHandler,
  postInitError,
  invokeHandler,
};
