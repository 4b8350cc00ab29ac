// One cold start, measured from inside: the process that test/bench/init.bench.ts spawns for
// each run. It loads a function as the Lambda runtime does (require of the handler file, the
// layer on NODE_PATH), tells the parent on fd 3 the moment init is done, then invokes the
// handler with the same event twice (the cold and a warm invocation) and reports both, with
// the files init loaded. Plain CommonJS with no dependencies, so it adds nothing to measure.
'use strict';
const fs = require('node:fs');

const [file, eventFile] = process.argv.slice(2);
const bootMs = performance.now();
const handler = require(file).handler;
const loadedAtMs = performance.now();
// CPU time, all threads: on a shared machine it varies far less than the wall clock does.
const cpuAtInit = process.cpuUsage();
fs.writeSync(3, 'init\n');

const loaded = Object.keys(require.cache).filter((f) => f !== __filename);
const initFiles = loaded.map((f) => ({ file: f, bytes: fs.statSync(f).size }));
// Public built-in modules loaded by then (this script itself loads only node:fs).
const initBuiltins = process.moduleLoadList
  .filter((m) => m.startsWith('NativeModule ') && !m.includes('internal/'))
  .map((m) => m.slice('NativeModule '.length));

function context() {
  return {
    awsRequestId: `bench-${Math.random().toString(16).slice(2)}`,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
  };
}

const cpuMs = (usage) => (usage.user + usage.system) / 1000;

async function invoke(event) {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await handler(JSON.parse(event), context());
  const ms = performance.now() - started;
  const status = result && typeof result === 'object' ? result.statusCode : undefined;
  return { ms, cpuMs: cpuMs(process.cpuUsage(cpuBefore)), status };
}

async function main() {
  const report = { bootMs, loadedAtMs, initCpuMs: cpuMs(cpuAtInit), initFiles, initBuiltins };
  if (eventFile) {
    // Read before timing: the runtime hands the event over already read.
    const event = fs.readFileSync(eventFile, 'utf8');
    report.first = await invoke(event);
    report.warm = await invoke(event);
  }
  fs.writeSync(3, `${JSON.stringify(report)}\n`);
  process.exit(0);
}

main().catch((err) => {
  fs.writeSync(3, `${JSON.stringify({ error: String(err?.stack) })}\n`);
  process.exit(1);
});
