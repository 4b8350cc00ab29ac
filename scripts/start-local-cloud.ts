/**
 * Runs the variants on this machine, from their deployment templates:
 *
 *   npm start                       # = npm run local-cloud: every variant it hosts
 *   npm run local-cloud -- --help   # flags
 *
 * Before starting it builds what is missing or older than its sources, with a note per step:
 * the lambda-zip package and its CloudFormation template (`npm run package`), the staged
 * container contexts with the layer for this CPU (`npm run build:containers`), and the CDK
 * app's templates (synthesized in-process into build/cdk.out, as `npm run synth` does).
 *
 * Prints a table of endpoints and writes them to .local-cloud/endpoints.json; function logs
 * with AWS-format REPORT lines and the fargate tasks' output go to .local-cloud/logs/. Ctrl-C or
 * SIGTERM stops everything, every environment and task process included.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Endpoints, type LocalCloud, startLocalCloud } from '../local-cloud/local-cloud';
import {
  artifactDirs,
  ensureBuilt,
  VARIANT_NAMES,
  type VariantName,
  variantSources,
  variantTemplates,
} from '../local-cloud/variants';
import { type NumberRange, numberFlag, parseFlags, UsageError } from './lib/flags';

const TEMPLATES: Readonly<Record<string, string>> = variantTemplates();
const LOG_LEVELS = ['quiet', 'info', 'debug'] as const;
/** A signal this soon after the first is the same Ctrl-C, relayed by a wrapper. */
const RELAYED_SIGNAL_MS = 1000;

const HELP = `Usage: npm run local-cloud -- [options]

Runs the cartoon service's variants on this machine: an S3/SQS endpoint, each variant's
HTTP API front door and Lambda functions as local execution environments, lambda-image's
event source mapping, and fargate's tasks behind a local load balancer.

Options:
  --variants <list>      comma-separated variants to run
                         (default: ${VARIANT_NAMES.join(',')})
  --tasks <n>            fargate tasks (default: the service's desired count)
  --lmi-scale <scale>    managed-instances' worker threads and pre-started environments:
                         local (default: 1 worker per vCPU, 1 environment, light on a laptop)
                         or aws (AWS's defaults: 8 workers per vCPU, 3 environments)
  --no-build             start from what is built; do not build what is missing or stale
  --host <address>       address to listen on (default: 127.0.0.1)
  --s3-port <port>       S3/SQS endpoint port (default: 4566; 0 for any free port)
  --port <port>          first front door port, one per variant in the order given
                         (default: 3000; 0 for any)
  --console-port <port>  the web page's port (default: 8000, or any free port with --port 0)
  --state-dir <dir>      endpoints.json, logs/ and saved state (default: .local-cloud)
  --no-persist           keep buckets, objects and queues in memory only
  --idle-timeout <s>     reap idle environments after this many seconds (default: 600)
  --concurrency <n>      local account concurrency limit for functions without reserved
                         concurrency (default: 1000, as AWS's default quota)
  --retry-scale <x>      multiplies AWS's async retry delays of 60 s and 120 s (default: 0.0167)
  --visibility-scale <x> multiplies the queues' visibility timeouts and the fargate worker's
                         visibility, retry delay and long-poll wait (default: 1, as deployed;
                         tests shorten redelivery and task shutdown with it)
  --no-cpu-limits        run environments and tasks without the CPU their platform gives them
                         (by default each Lambda environment gets its memory's share, 1,769 MB
                         a vCPU, and each fargate task its vCPU, where cgroups are writable)
  --no-throttle          ignore the HTTP API stages' throttling (20 rps, burst 40, as
                         deployed), e.g. to find this machine's own limit
  --log-level <level>    quiet | info (REPORT lines) | debug (every function log line)
  --help                 this text`;

interface Flags {
  readonly variants: VariantName[];
  readonly tasks: number | undefined;
  readonly build: boolean;
  readonly host: string;
  readonly s3Port: number;
  readonly port: number;
  readonly consolePort: number;
  readonly stateDir: string;
  readonly persist: boolean;
  readonly idleTimeoutMs: number;
  readonly concurrency: number;
  readonly retryScale: number;
  readonly visibilityScale: number;
  readonly throttle: boolean;
  readonly cpuLimits: boolean;
  readonly lmiScale: 'local' | 'aws';
  readonly logLevel: (typeof LOG_LEVELS)[number];
}

/** A TCP port: 0 asks the system for a free one. */
const PORT: NumberRange = { min: 0, max: 65_535, integer: true };

function readFlags(argv: string[]): Flags | undefined {
  const values = parseFlags(argv, {
    variants: { type: 'string', default: VARIANT_NAMES.join(',') },
    'lmi-scale': { type: 'string', default: 'local' },
    tasks: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    host: { type: 'string', default: '127.0.0.1' },
    's3-port': { type: 'string', default: '4566' },
    port: { type: 'string', default: '3000' },
    'console-port': { type: 'string' },
    'state-dir': { type: 'string', default: '.local-cloud' },
    'no-persist': { type: 'boolean', default: false },
    'idle-timeout': { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '1000' },
    'retry-scale': { type: 'string', default: String(1 / 60) },
    'visibility-scale': { type: 'string', default: '1' },
    'no-throttle': { type: 'boolean', default: false },
    'no-cpu-limits': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
    help: { type: 'boolean', default: false },
  });
  if (values.help) return undefined;
  const variants = values.variants.split(',').map((v) => v.trim()) as VariantName[];
  for (const variant of variants) {
    if (!VARIANT_NAMES.includes(variant)) {
      throw new UsageError(
        `--variants: ${variant} is not a variant; known: ${Object.keys(TEMPLATES)}`,
      );
    }
  }
  const lmiScale = values['lmi-scale'];
  if (lmiScale !== 'local' && lmiScale !== 'aws') {
    throw new UsageError(`--lmi-scale must be local or aws, got '${lmiScale}'`);
  }
  const logLevel = LOG_LEVELS.find((l) => l === values['log-level']);
  if (logLevel === undefined) throw new UsageError(`--log-level must be one of ${LOG_LEVELS}`);
  return {
    variants,
    tasks:
      values.tasks === undefined
        ? undefined
        : numberFlag('tasks', values.tasks, { min: 1, integer: true }),
    build: !values['no-build'],
    host: values.host,
    s3Port: numberFlag('s3-port', values['s3-port'], PORT),
    port: numberFlag('port', values.port, PORT),
    // Ephemeral variants (tests) get an ephemeral console too, so parallel clouds never clash.
    consolePort: numberFlag(
      'console-port',
      values['console-port'] ?? (values.port === '0' ? '0' : '8000'),
      PORT,
    ),
    stateDir: path.resolve(values['state-dir']),
    persist: !values['no-persist'],
    idleTimeoutMs: numberFlag('idle-timeout', values['idle-timeout'], { min: 0 }) * 1000,
    concurrency: numberFlag('concurrency', values.concurrency, { min: 1, integer: true }),
    retryScale: numberFlag('retry-scale', values['retry-scale'], { min: 0 }),
    visibilityScale: numberFlag('visibility-scale', values['visibility-scale'], { min: 0.001 }),
    throttle: !values['no-throttle'],
    cpuLimits: !values['no-cpu-limits'],
    lmiScale,
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
function endpointTable(endpoints: Endpoints): string {
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
    `logs             ${endpoints.logs}  (functions with REPORT lines, fargate-task-<n>.log)`,
    ...(endpoints.console === undefined
      ? []
      : [`console          ${endpoints.console}  (the web page: try a photo on every variant)`]),
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
  if (flags.build) await ensureBuilt(flags.variants, { log: console.log });
  for (const variant of flags.variants) {
    if (!existsSync(TEMPLATES[variant] ?? '')) {
      throw new Error(`${TEMPLATES[variant]} is missing: run npm start without --no-build`);
    }
  }
  mkdirSync(flags.stateDir, { recursive: true });
  const started = performance.now();
  const starting: Promise<LocalCloud> = startLocalCloud({
    stateDir: flags.stateDir,
    host: flags.host,
    s3Port: flags.s3Port,
    persist: flags.persist,
    artifactDirs: artifactDirs(),
    idleTimeoutMs: flags.idleTimeoutMs,
    accountConcurrency: flags.concurrency,
    retryDelayScale: flags.retryScale,
    visibilityTimeoutScale: flags.visibilityScale,
    cpuLimits: flags.cpuLimits,
    lmi: { scale: flags.lmiScale },
    throttle: flags.throttle,
    console: { port: flags.consolePort, root: path.resolve(__dirname, '..') },
    variants: variantSources(flags.variants, {
      port: flags.port,
      ...(flags.tasks === undefined ? {} : { tasks: flags.tasks }),
    }),
    note: (message: string) => {
      if (flags.logLevel !== 'quiet') console.log(`[local cloud] ${message}`);
    },
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
  let stopping: { readonly at: number } | undefined;
  let running: LocalCloud | undefined;
  void starting.then(
    (cloud) => {
      running = cloud;
    },
    () => undefined,
  );
  // Whatever ends this process, no environment or task outlives it: SIGKILL needs no thaw.
  const exitNow = (code: number) => {
    running?.kill();
    process.exit(code);
  };
  // Ctrl-C while the cloud is still starting waits for it to finish starting and then stops
  // it, so its temporary folders and processes go with it; a second one kills everything now.
  const stop = (signal: string) => {
    if (stopping !== undefined) {
      // A terminal sends Ctrl-C to the whole foreground group, and the wrappers in it (npm, tsx)
      // relay it once more: the same keypress arrives twice within moments. A later one is
      // the user's second Ctrl-C.
      if (performance.now() - stopping.at < RELAYED_SIGNAL_MS) return;
      exitNow(1);
      return;
    }
    stopping = { at: performance.now() };
    if (flags.logLevel !== 'quiet') console.log(`\n${signal}: stopping the local cloud`);
    // A hang must not leave the parent waiting forever; fargate tasks may take their stop
    // timeout to drain (ECS's SIGTERM-to-SIGKILL wait, 120 s here).
    setTimeout(() => exitNow(1), 130_000).unref();
    starting
      .then((cloud) => cloud.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(
            `local cloud: stopping: ${err instanceof Error ? err.message : String(err)}`,
          );
          exitNow(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('exit', () => running?.kill());
  const cloud = await starting;
  if (flags.logLevel !== 'quiet' && !stopping) {
    console.log(endpointTable(cloud.endpoints));
    console.log(`\n${cloud.cpu.note}`);
    console.log(
      `\nlocal cloud ready in ${Math.round(performance.now() - started)} ms ` +
        `(${path.join(flags.stateDir, 'endpoints.json')}); Ctrl-C stops it`,
    );
  }
  // A bug must not leave environments and tasks running without their local cloud.
  process.on('uncaughtException', (err) => {
    console.error(`local cloud: ${err.stack ?? err.message}`);
    stop('uncaughtException');
  });
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`local cloud: ${err.message}\nnpm start -- --help lists the flags`);
    process.exitCode = 2;
    return;
  }
  console.error(`local cloud: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
