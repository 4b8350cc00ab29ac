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
