// One execution environment on its own: init failures, the memory ceiling, the variables.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExecutionEnvironment, lambdaVariables } from '../../../local-cloud/environment';
import { fixtureEnvironment, json } from '../../support/fixture-functions';

const envs: ExecutionEnvironment[] = [];
function start(name: string, overrides: Parameters<typeof fixtureEnvironment>[2] = {}) {
  const env = ExecutionEnvironment.start({
    ...fixtureEnvironment(name, [], overrides),
    initializationType: 'on-demand',
  });
  envs.push(env);
  return env;
}

afterEach(async () => {
  for (const env of envs.splice(0)) {
    env.kill();
    await env.exited();
  }
});

describe('environment', () => {
  it('sets the variables Lambda sets, the function’s own on top', () => {
    const options = {
      ...fixtureEnvironment('hello', [], {
        optDir: '/opt',
        taskRoot: '/var/task',
        variables: { BUCKET_NAME: 'b', TZ: ':UTC' },
      }),
      initializationType: 'on-demand' as const,
    };
    const variables = lambdaVariables(options, '127.0.0.1:9001', '2026/11/28/[$LATEST]abc');
    expect(variables).toMatchObject({
      NODE_PATH: '/opt/nodejs/node24/node_modules:/opt/nodejs/node_modules:/var/task',
      LAMBDA_TASK_ROOT: '/var/task',
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fixture-hello',
      AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/28/[$LATEST]abc',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      BUCKET_NAME: 'b',
    });
  });

  it('answers an init failure with the runtime’s error type and message', async () => {
    const env = start('missing');

    const result = await env.invoke(Buffer.from('{}'), 'req-init');

    expect(result.errorType).toBe('Runtime.ImportModuleError');
    expect(JSON.parse(result.payload.toString())).toEqual({
      errorType: 'Runtime.ImportModuleError',
      errorMessage: "RequestId: req-init Error: Cannot find module 'missing'",
    });
    expect(env.isDead).toBe(true);
  });

  it('reports a handler that throws as a function error and stays warm', async () => {
    const env = start('throws');
    const result = await env.invoke(Buffer.from('{}'));
    expect(result.functionError).toBe('Unhandled');
    expect(json(result.payload)).toMatchObject({
      errorType: 'TypeError',
      errorMessage: 'cannot handle this',
    });
    expect(env.isDead).toBe(false);
  });

  it('kills an environment whose memory passes its memory size', async () => {
    const env = start('memory', { memoryMb: 128, memoryWatchMs: 50 });

    const result = await env.invoke(Buffer.from(JSON.stringify({ mb: 300 })));

    expect(result.errorType).toBe('Runtime.OutOfMemory');
    expect(result.report.maxMemoryUsedMb).toBeGreaterThan(128);
    expect(env.isDead).toBe(true);
  });

  it('reports the memory a crashed invocation used, not 0 MB', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'local-cloud-crash-'));
    // Holds 80 MB of touched pages, then exits as a crashing native module would.
    writeFileSync(
      path.join(dir, 'crash.js'),
      `exports.handler = async () => {
        const held = [];
        for (let i = 0; i < 80; i += 1) held.push(Buffer.alloc(1024 * 1024, 1));
        await new Promise((resolve) => setTimeout(resolve, 300));
        process.exit(held.length > 0 ? 3 : 0);
      };\n`,
    );
    try {
      const env = start('crash', { taskRoot: dir, memoryWatchMs: 50 });
      const crashed = await env.invoke(Buffer.from('{}'));
      // Exits before the first sample while busy: the peak read before it was thawed.
      const early = await start('exit').invoke(Buffer.from('{}'));

      expect(crashed.errorType).toBe('Runtime.ExitError');
      expect(crashed.report.maxMemoryUsedMb).toBeGreaterThanOrEqual(80);
      expect(early.errorType).toBe('Runtime.ExitError');
      // Node alone holds tens of MB: a real figure, whatever this machine's exact one.
      expect(early.report.maxMemoryUsedMb).toBeGreaterThan(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports the published version of a provisioned environment as Lambda does', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'local-cloud-version-'));
    writeFileSync(
      path.join(dir, 'version.js'),
      `exports.handler = async (_event, context) => ({
        version: context.functionVersion,
        stream: context.logStreamName,
        variable: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      });\n`,
    );
    const lines: string[] = [];
    try {
      const env = ExecutionEnvironment.start({
        ...fixtureEnvironment('version', lines, { taskRoot: dir }),
        initializationType: 'provisioned-concurrency',
        version: '7',
      });
      envs.push(env);

      const result = await env.invoke(Buffer.from('{}'), 'req-version');

      const answer = json(result.payload) as { version: string; stream: string; variable: string };
      expect(answer.version).toBe('7');
      expect(answer.variable).toBe('7');
      expect(answer.stream).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[7\][0-9a-f]{32}$/);
      expect(lines).toContain('START RequestId: req-version Version: 7');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs an ES module handler too', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'local-cloud-esm-'));
    writeFileSync(
      path.join(dir, 'index.mjs'),
      'export const handler = async (e) => ({ esm: true, e });\n',
    );
    try {
      const env = start('index', { taskRoot: dir, handler: 'index.handler' });
      const result = await env.invoke(Buffer.from('{"x":1}'));
      expect(json(result.payload)).toEqual({ esm: true, e: { x: 1 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
