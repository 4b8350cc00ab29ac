/**
 * Runs the variants on this machine, from their deployment templates:
 *
 *   npm run package && npm run build:layer -- --arch x64     # the artifacts it runs
 *   npm run local-cloud                                      # or with flags, see --help
 *
 * Prints a table of endpoints and writes them to .local-cloud/endpoints.json; function logs
 * with AWS-format REPORT lines go to .local-cloud/logs/. Ctrl-C or SIGTERM stops everything,
 * every environment process included. lambda-image and fargate are listed once their
 * templates and containers are staged; today it runs lambda-zip.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Endpoints, type LocalCloud, startLocalCloud } from '../local-cloud/local-cloud';

const ROOT = path.resolve(__dirname, '..');
const TEMPLATES: Record<string, string> = {
  'lambda-zip': path.join(ROOT, '.serverless', 'cloudformation-template-update-stack.json'),
};
const LOG_LEVELS = ['quiet', 'info', 'debug'] as const;

const HELP = `Usage: npm run local-cloud -- [options]

Runs the cartoon service's variants on this machine: an S3/SQS endpoint, each variant's
HTTP API front door and Lambda functions as local execution environments.

Options:
  --variants <list>      comma-separated variants to run (default: lambda-zip)
  --host <address>       address to listen on (default: 127.0.0.1)
  --s3-port <port>       S3/SQS endpoint port (default: 4566; 0 for any free port)
  --port <port>          first front door port, one per variant (default: 3000; 0 for any)
  --state-dir <dir>      endpoints.json, logs/ and saved state (default: .local-cloud)
  --no-persist           keep buckets, objects and queues in memory only
  --idle-timeout <s>     reap idle environments after this many seconds (default: 600)
  --concurrency <n>      local account concurrency limit for functions without reserved
                         concurrency (default: 1000, as AWS's default quota)
  --retry-scale <x>      multiplies AWS's async retry delays of 60 s and 120 s (default: 0.0167)
  --log-level <level>    quiet | info (REPORT lines) | debug (every function log line)
  --help                 this text`;

interface Flags {
  readonly variants: string[];
  readonly host: string;
  readonly s3Port: number;
  readonly port: number;
  readonly stateDir: string;
  readonly persist: boolean;
  readonly idleTimeoutMs: number;
  readonly concurrency: number;
  readonly retryScale: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
}

function number(name: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min)
    throw new Error(`--${name} must be a number ≥ ${min}`);
  return value;
}

function readFlags(argv: string[]): Flags | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      variants: { type: 'string', default: 'lambda-zip' },
      host: { type: 'string', default: '127.0.0.1' },
      's3-port': { type: 'string', default: '4566' },
      port: { type: 'string', default: '3000' },
      'state-dir': { type: 'string', default: '.local-cloud' },
      'no-persist': { type: 'boolean', default: false },
      'idle-timeout': { type: 'string', default: '600' },
      concurrency: { type: 'string', default: '1000' },
      'retry-scale': { type: 'string', default: String(1 / 60) },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  const variants = values.variants.split(',').map((v) => v.trim());
  for (const variant of variants) {
    if (!(variant in TEMPLATES)) {
      throw new Error(
        `--variants: ${variant} is not runnable yet; known: ${Object.keys(TEMPLATES)}`,
      );
    }
  }
  const logLevel = LOG_LEVELS.find((l) => l === values['log-level']);
  if (logLevel === undefined) throw new Error(`--log-level must be one of ${LOG_LEVELS}`);
  return {
    variants,
    host: values.host,
    s3Port: number('s3-port', values['s3-port'], 0),
    port: number('port', values.port, 0),
    stateDir: path.resolve(values['state-dir']),
    persist: !values['no-persist'],
    idleTimeoutMs: number('idle-timeout', values['idle-timeout'], 0) * 1000,
    concurrency: number('concurrency', values.concurrency, 1),
    retryScale: number('retry-scale', values['retry-scale'], 0),
    logLevel,
  };
}

/**
 * The table printed on start, with copy-paste examples.
 *
 * @example
 * ```ts
 * console.log(endpointTable(cloud.endpoints));
 * ```
 */
export function endpointTable(endpoints: Endpoints): string {
  const rows = Object.entries(endpoints.variants).map(([name, v]) => [
    name,
    v.url ?? '-',
    v.bucket ?? '-',
  ]);
  const all = [['variant', 'url', 'bucket'], ...rows];
  const widths = [0, 1, 2].map((i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  const { s3 } = endpoints;
  const [first] = Object.entries(endpoints.variants);
  const url = first?.[1].url ?? 'http://127.0.0.1:3000';
  const bucket = first?.[1].bucket ?? '<bucket>';
  return [
    line(all[0] ?? []),
    ...rows.map(line),
    '',
    `S3/SQS endpoint  ${s3.endpoint}  region ${s3.region}`,
    `credentials      AWS_ACCESS_KEY_ID=${s3.accessKeyId} AWS_SECRET_ACCESS_KEY=${s3.secretAccessKey}`,
    ...Object.entries(endpoints.queues).map(([name, q]) => `queue            ${name}  ${q}`),
    `function logs    ${endpoints.logs}`,
    '',
    'Try:',
    `  curl -s ${url}/health`,
    `  curl -s --data-binary @test/fixtures/photos/rocket.jpg -H 'content-type: image/jpeg' '${url}/cartoon?style=comic' -o cartoon.jpg`,
    `  AWS_ACCESS_KEY_ID=${s3.accessKeyId} AWS_SECRET_ACCESS_KEY=${s3.secretAccessKey} AWS_DEFAULT_REGION=${s3.region} \\`,
    `    aws --endpoint-url ${s3.endpoint} s3 cp IMG_0001.JPG s3://${bucket}/uploads/`,
    `  (results appear under s3://${bucket}/cartoons/; failures under failed/)`,
  ].join('\n');
}

async function main(): Promise<void> {
  const flags = readFlags(process.argv.slice(2));
  if (flags === undefined) {
    console.log(HELP);
    return;
  }
  for (const variant of flags.variants) {
    if (!existsSync(TEMPLATES[variant] ?? '')) {
      throw new Error(`${TEMPLATES[variant]} is missing: run npm run package first`);
    }
  }
  mkdirSync(flags.stateDir, { recursive: true });
  const started = performance.now();
  const cloud: LocalCloud = await startLocalCloud({
    stateDir: flags.stateDir,
    host: flags.host,
    s3Port: flags.s3Port,
    persist: flags.persist,
    artifactDirs: [path.join(ROOT, 'build'), path.join(ROOT, 'build', 'functions')],
    idleTimeoutMs: flags.idleTimeoutMs,
    accountConcurrency: flags.concurrency,
    retryDelayScale: flags.retryScale,
    variants: flags.variants.map((name, i) => ({
      name,
      template: TEMPLATES[name] ?? '',
      port: flags.port === 0 ? 0 : flags.port + i,
    })),
    // info: one REPORT line per invocation; debug: every line the functions write.
    ...(flags.logLevel === 'quiet'
      ? {}
      : {
          echo: (fn: string, line: string) => {
            if (flags.logLevel === 'debug' || line.startsWith('REPORT ')) {
              console.log(`[${fn}] ${line}`);
            }
          },
        }),
  });
  if (flags.logLevel !== 'quiet') {
    console.log(endpointTable(cloud.endpoints));
    console.log(
      `\nlocal cloud ready in ${Math.round(performance.now() - started)} ms ` +
        `(${path.join(flags.stateDir, 'endpoints.json')}); Ctrl-C stops it`,
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (flags.logLevel !== 'quiet') console.log(`\n${signal}: stopping the local cloud`);
    // A second signal, or a hang, must not leave the parent waiting forever.
    setTimeout(() => process.exit(1), 5_000).unref();
    cloud.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`local cloud: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
