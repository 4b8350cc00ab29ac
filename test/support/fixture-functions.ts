/**
 * Tiny functions (test/fixtures/functions/*.js) run by the local Lambda emulator, so its tests
 * exercise real processes in milliseconds rather than the cartoon artifact's seconds.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EnvironmentOptions } from '../../local-cloud/environment';
import { FunctionPool, type PoolOptions } from '../../local-cloud/function-pool';

const ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURE_FUNCTIONS = path.join(ROOT, 'test', 'fixtures', 'functions');
export const BOOTSTRAP = path.join(ROOT, 'local-cloud', 'runtime', 'bootstrap.cjs');
/** The fixtures use no layer: one empty /opt, outside the repo, shared by every test. */
const EMPTY_OPT = path.join(tmpdir(), 'local-cloud-fixture-opt');

function emptyOpt(): string {
  mkdirSync(EMPTY_OPT, { recursive: true });
  return EMPTY_OPT;
}

/** Environment options for a fixture function; every log line lands in `lines`. */
export function fixtureEnvironment(
  name: string,
  lines: string[],
  overrides: Partial<Omit<EnvironmentOptions, 'initializationType'>> = {},
): Omit<EnvironmentOptions, 'initializationType'> {
  return {
    functionName: `fixture-${name}`,
    functionArn: `arn:aws:lambda:us-east-1:000000000000:function:fixture-${name}`,
    memoryMb: 256,
    timeoutSeconds: 3,
    handler: `${name}.handler`,
    taskRoot: FIXTURE_FUNCTIONS,
    optDir: emptyOpt(),
    bootstrap: BOOTSTRAP,
    region: 'us-east-1',
    variables: {},
    log: (line) => lines.push(line),
    ...overrides,
  };
}

/** A pool for a fixture function. */
export function fixturePool(
  name: string,
  lines: string[],
  options: Partial<Omit<PoolOptions, 'environment'>> & {
    environment?: Partial<Omit<EnvironmentOptions, 'initializationType'>>;
  } = {},
): FunctionPool {
  return new FunctionPool({
    maxConcurrency: 10,
    provisionedConcurrency: 0,
    idleTimeoutMs: 60_000,
    ...options,
    environment: fixtureEnvironment(name, lines, options.environment),
  });
}

/** The JSON a function answered. */
export function json<T = Record<string, unknown>>(payload: Buffer): T {
  return JSON.parse(payload.toString('utf8')) as T;
}
