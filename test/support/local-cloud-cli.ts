/**
 * The local cloud as a user starts it (`npm start` = scripts/start-local-cloud.ts) for end to
 * end tests: on ephemeral ports, in a temporary state folder, with clients for its endpoints,
 * the real AWS CLI, and the process tree under it read from /proc.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Endpoints } from '../../local-cloud/local-cloud';
import { waitFor } from './poll';

const ROOT = path.resolve(__dirname, '..', '..');
const AWS = '/usr/bin/aws';

export interface RunningCloud {
  readonly cli: ChildProcess;
  readonly dir: string;
  /** What the CLI printed so far (stdout and stderr), when started with `capture`. */
  output(): string;
  readonly endpoints: Endpoints;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  /** Runs the AWS CLI v2 against the local endpoint. */
  aws(...args: string[]): string;
  /** Keys under a prefix of a bucket. */
  keys(bucket: string, prefix: string): Promise<string[]>;
  read(bucket: string, key: string): Promise<Buffer>;
  /** Stops the CLI if it is still running, waits for it, and removes a state folder it made. */
  dispose(): Promise<void>;
}

/** How to start the CLI beyond its flags. */
export interface CloudCliOptions {
  /**
   * Its own process group, as a shell runs a foreground job: `process.kill(-cli.pid, 'SIGINT')`
   * is then what a terminal's Ctrl-C does.
   */
  readonly detached?: boolean;
  /** Keep state in this folder (and across runs) instead of a fresh one with --no-persist. */
  readonly stateDir?: string;
  /** Collect stdout and stderr for output() (stderr is still shown). */
  readonly capture?: boolean;
}

/**
 * Starts the CLI with these flags (plus ephemeral ports, a temp state folder, no persistence)
 * and waits for its endpoints.json. The CLI builds whatever is missing first.
 *
 * @example
 * ```ts
 * const cloud = await startCloudCli(['--tasks', '2', '--log-level', 'quiet']);
 * cloud.endpoints.variants.fargate?.url;
 * ```
 */
export async function startCloudCli(
  flags: readonly string[],
  options: CloudCliOptions = {},
): Promise<RunningCloud> {
  execFileSync(path.join(ROOT, 'scripts', 'ensure-awscli.sh'), { stdio: 'ignore' });
  const dir = options.stateDir ?? mkdtempSync(path.join(tmpdir(), 'local-cloud-e2e-'));
  const cli = spawn(
    path.join(ROOT, 'node_modules', '.bin', 'tsx'),
    [
      '--tsconfig',
      'tsconfig.json',
      'scripts/start-local-cloud.ts',
      '--s3-port',
      '0',
      '--port',
      '0',
      '--state-dir',
      dir,
      ...(options.stateDir === undefined ? ['--no-persist'] : []),
      ...flags,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', options.capture ? 'pipe' : 'ignore', options.capture ? 'pipe' : 'inherit'],
      detached: options.detached ?? false,
    },
  );
  let printed = '';
  cli.stdout?.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });
  cli.stderr?.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
    process.stderr.write(chunk);
  });
  const file = path.join(dir, 'endpoints.json');
  // A state folder kept from a previous run holds that run's endpoints.json.
  if (options.stateDir !== undefined) rmSync(file, { force: true });
  const endpoints = await waitFor(
    () => {
      if (cli.exitCode !== null) throw new Error(`the local cloud exited (${cli.exitCode})`);
      return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Endpoints) : undefined;
    },
    // retryErrors: a half-written endpoints.json does not parse yet. An exit is retried too
    // (as before), and named in the timeout's message.
    { what: 'endpoints.json', timeoutMs: 300_000, retryErrors: true },
  );
  const credentials = {
    accessKeyId: endpoints.s3.accessKeyId,
    secretAccessKey: endpoints.s3.secretAccessKey,
  };
  const s3 = new S3Client({
    region: endpoints.s3.region,
    endpoint: endpoints.s3.endpoint,
    forcePathStyle: true,
    credentials,
  });
  const sqs = new SQSClient({
    region: endpoints.s3.region,
    endpoint: endpoints.s3.endpoint,
    credentials,
    useQueueUrlAsEndpoint: false,
  });
  return {
    cli,
    dir,
    output: () => printed,
    endpoints,
    s3,
    sqs,
    aws: (...args) =>
      execFileSync(AWS, ['--endpoint-url', endpoints.s3.endpoint, ...args], {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          AWS_ACCESS_KEY_ID: endpoints.s3.accessKeyId,
          AWS_SECRET_ACCESS_KEY: endpoints.s3.secretAccessKey,
          AWS_DEFAULT_REGION: endpoints.s3.region,
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      }),
    keys: async (bucket, prefix) => {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (listed.Contents ?? []).map((o) => o.Key ?? '');
    },
    read: async (bucket, key) => {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(
        await (
          object.Body as { transformToByteArray(): Promise<Uint8Array> }
        ).transformToByteArray(),
      );
    },
    dispose: async () => {
      s3.destroy();
      sqs.destroy();
      // SIGTERM, which tsx relays to the local cloud; a SIGKILL would only kill the tsx wrapper.
      if (cli.exitCode === null && cli.signalCode === null) {
        const exited = new Promise((resolve) => cli.once('exit', resolve));
        cli.kill('SIGTERM');
        // An unref'd timer: one left pending once the CLI has exited would hold jest open.
        await Promise.race([exited, delay(20_000, undefined, { ref: false })]);
      }
      // A folder the caller named is the caller's to remove (it may start another run in it).
      if (options.stateDir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Every process below `pid`, found through /proc.
 *
 * @example
 * ```ts
 * descendants(cloud.cli.pid ?? -1).length; // fauxqs, environments, fargate tasks
 * ```
 */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const child of children.get(p) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/**
 * Whether a process exists and is not a zombie.
 *
 * @example
 * ```ts
 * expect(pids.filter(running)).toEqual([]);
 * ```
 */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * The process's command line, or '' when it is gone.
 *
 * @example
 * ```ts
 * commandLine(pid).includes('server.js'); // a fargate task
 * ```
 */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/**
 * The Lambda function an execution environment process runs (its AWS_LAMBDA_FUNCTION_NAME), or
 * undefined for any other process.
 *
 * @example
 * ```ts
 * functionOf(pid); // 'lambda-image-Queue4A7E3555'
 * ```
 */
export function functionOf(pid: number): string | undefined {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return environ.find((v) => v.startsWith('AWS_LAMBDA_FUNCTION_NAME='))?.split('=')[1];
  } catch {
    return undefined;
  }
}

/**
 * Processes anywhere on the machine whose environment has `name=value`: a local cloud's
 * environments and tasks carry its S3 endpoint (an ephemeral port), so this finds them even
 * after they were orphaned and reparented, and never another run's.
 *
 * @example
 * ```ts
 * withVariable('S3_ENDPOINT', cloud.endpoints.s3.endpoint); // [] once the cloud has stopped
 * ```
 */
export function withVariable(name: string, value: string): number[] {
  const wanted = `${name}=${value}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || !running(Number(entry))) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(wanted)) {
        found.push(Number(entry));
      }
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/**
 * A process's state letter from /proc (`T` stopped, `S` sleeping, `Z` zombie), or undefined
 * when it is gone.
 *
 * @example
 * ```ts
 * processState(pid); // 'T' while an environment is frozen
 * ```
 */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/**
 * The variants these e2e tests start, in the order endpoints.json lists them. `npm start` runs
 * managed-instances too; its own e2e test (local-cloud-lmi.test.ts) starts it beside lambda-zip,
 * so that these suites stay within CI's time on two cores.
 */
export const VARIANTS = ['lambda-zip', 'lambda-image', 'fargate'] as const;

/**
 * How the e2e tests start `npm start`'s CLI: two fargate tasks, quiet, and Lambda's retry
 * delays and SQS visibility timeouts scaled down so that retries and redeliveries happen within
 * a test's time.
 */
export const E2E_CLOUD_FLAGS: readonly string[] = [
  '--variants',
  VARIANTS.join(','),
  '--tasks',
  '2',
  '--log-level',
  'quiet',
  '--retry-scale',
  '0.001',
  '--visibility-scale',
  '0.02',
];
