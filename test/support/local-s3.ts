import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '@cartoon-compute/core/s3';

/** A running local S3-compatible server (fauxqs, which also speaks SQS and SNS). */
export interface LocalS3 {
  /** Base URL of the server, e.g. `http://127.0.0.1:41234`. Also serves SQS and SNS. */
  readonly endpoint: string;
  readonly region: string;
  /** Any static credentials do: the server does not check signatures. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** A client from `createS3Client`, pointed at the server. */
  readonly client: S3Client;
  /** A bucket created for this server, with a random name. */
  readonly bucket: string;
  /** Destroys the client and stops the server. */
  close(): Promise<void>;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

// fauxqs ships ESM with only an `import` export condition, which jest's CommonJS runtime
// cannot load, so it runs in a child process: it listens on an ephemeral port, prints that
// port as one JSON line, and stops when its stdin closes (also when the test process dies).
const SERVER_SCRIPT = `
import { startFauxqs } from 'fauxqs';
const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
process.stdout.write(JSON.stringify({ port: server.port }) + '\\n');
process.stdin.on('close', () => server.stop().then(() => process.exit(0), () => process.exit(1)));
process.stdin.resume();
`;

/**
 * The variables a handler or task reads to reach `s3`'s bucket, as Lambda and the templates
 * would set them for that store.
 *
 * @example
 * ```ts
 * Object.assign(process.env, { ...storeEnv(s3), VARIANT: 'lambda-zip' });
 * ```
 */
export function storeEnv(s3: LocalS3): Record<string, string> {
  return {
    BUCKET_NAME: s3.bucket,
    S3_ENDPOINT: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
  };
}

/**
 * Starts a local S3-compatible server on an ephemeral port and creates a bucket on it.
 *
 * @example
 * ```ts
 * let s3: LocalS3;
 * beforeAll(async () => { s3 = await startLocalS3(); }, 30_000);
 * afterAll(() => s3.close());
 * ```
 */
export async function startLocalS3(): Promise<LocalS3> {
  const child = spawn(process.execPath, ['--input-type=module', '--eval', SERVER_SCRIPT], {
    cwd: REPO_ROOT,
    env: withoutFauxqsSettings(process.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let port: number;
  try {
    port = await readPort(child);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }

  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const client = createS3Client({ region, endpoint, credentials });
  const bucket = `cartoon-test-${randomUUID().slice(0, 8)}`;
  const close = async (): Promise<void> => {
    client.destroy();
    await stop(child);
  };
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    await close();
    throw err;
  }
  return { endpoint, region, credentials, client, bucket, close };
}

/** fauxqs reads FAUXQS_* variables (an init file, a port); none may leak in from the shell. */
function withoutFauxqsSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('FAUXQS_')));
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const fail = (reason: string): void => {
      cleanup();
      reject(new Error(`Local S3 server did not start: ${reason}\n${stderr}`));
    };
    const onStdout = (chunk: Buffer): void => {
      stdout += chunk.toString('utf8');
      const newline = stdout.indexOf('\n');
      if (newline === -1) return;
      const line = stdout.slice(0, newline);
      try {
        const { port } = JSON.parse(line) as { port: unknown };
        if (typeof port !== 'number') throw new Error('no port');
        cleanup();
        resolve(port);
      } catch {
        fail(`unexpected output ${JSON.stringify(line)}`);
      }
    };
    const onStderr = (chunk: Buffer): void => {
      stderr += chunk.toString('utf8');
    };
    const onExit = (code: number | null, signal: string | null): void =>
      fail(`exited with ${signal ?? code}`);
    const onError = (err: Error): void => fail(err.message);
    const timer = setTimeout(() => fail(`no port after ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onStdout);
      child.stderr?.off('data', onStderr);
      child.off('exit', onExit);
      child.off('error', onError);
      // Keep draining the pipes so that a chatty server never blocks on a full buffer.
      child.stdout?.resume();
      child.stderr?.resume();
    };
    child.stdout?.on('data', onStdout);
    child.stderr?.on('data', onStderr);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin?.end();
  });
}
