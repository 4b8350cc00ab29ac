/**
 * Lambda Managed Instances environments and pools for the fixture function
 * test/fixtures/functions/lmi.js, with the LMI runtime client installed in a runtime folder of
 * their own outside the repo, as the local cloud installs it.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { installLmiRuntime, type LmiEnvironmentOptions } from '../../local-cloud/lmi-environment';
import { LmiPool, type LmiPoolOptions } from '../../local-cloud/lmi-pool';
import { FIXTURE_FUNCTIONS } from './fixture-functions';

let runtimeBootstrap: string | undefined;

/** The LMI runtime client, installed once per test file. */
export function lmiBootstrap(): string {
  if (runtimeBootstrap === undefined) {
    const dir = mkdtempSync(path.join(tmpdir(), 'local-cloud-lmi-runtime-'));
    runtimeBootstrap = installLmiRuntime(dir);
  }
  return runtimeBootstrap;
}

const EMPTY_OPT = path.join(tmpdir(), 'local-cloud-fixture-opt');

/** Environment options for the lmi fixture; every log line lands in `lines`. */
export function lmiEnvironmentOptions(
  lines: string[],
  overrides: Partial<LmiEnvironmentOptions> = {},
): LmiEnvironmentOptions {
  mkdirSync(EMPTY_OPT, { recursive: true });
  return {
    functionName: 'fixture-lmi',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fixture-lmi',
    memoryMb: 2048,
    timeoutSeconds: 3,
    handler: 'lmi.handler',
    taskRoot: FIXTURE_FUNCTIONS,
    optDir: EMPTY_OPT,
    bootstrap: lmiBootstrap(),
    region: 'us-east-1',
    variables: {},
    log: (line) => lines.push(line),
    vcpus: 1,
    maxConcurrency: 4,
    workers: 1,
    ...overrides,
  };
}

/** A pool of lmi fixture environments. */
export function lmiPool(
  lines: string[],
  options: Partial<Omit<LmiPoolOptions, 'environment'>> & {
    environment?: Partial<LmiEnvironmentOptions>;
  } = {},
): LmiPool {
  return new LmiPool({
    minEnvironments: 1,
    maxEnvironments: 1,
    cpuTarget: 0.5,
    ...options,
    environment: lmiEnvironmentOptions(lines, options.environment),
  });
}
