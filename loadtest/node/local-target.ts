/**
 * The load test's view of this machine's local cloud. Uses the running one when
 * `endpoints.json` names variants whose `/health` answers; otherwise starts one in-process
 * (ephemeral ports, a temporary state folder, a short idle timeout so environments can be
 * reaped before a cold burst) and stops it on close. Either way it also runs the trivial
 * baseline function through the same emulator modules (a second FunctionPool and front door,
 * since local-cloud.ts takes templates, not extra functions), so one run shows how much of a
 * cold start is our own initialisation.
 */
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CpuLimits, openCpuLimits } from '../../local-cloud/cpu-limit';
import { type FrontDoor, startFrontDoor } from '../../local-cloud/front-door';
import { FunctionPool } from '../../local-cloud/function-pool';
import { type Endpoints, type LocalCloud, startLocalCloud } from '../../local-cloud/local-cloud';
import { parseReports, type Report } from '../../local-cloud/report-log';
import { LOCAL_ACCOUNT, readTopology, type VariantTopology } from '../../local-cloud/topology';
import {
  artifactDirs,
  ensureBuilt,
  VARIANT_NAMES,
  variantSources,
  variantTemplates,
} from '../../local-cloud/variants';
import { MB_PER_VCPU } from '../cost-model';
import type { LogMark, Target, VariantEndpoint } from '../target';

const ROOT = path.resolve(__dirname, '..', '..');
/** The template each variant the local cloud hosts is read from (local-cloud/variants.ts). */
export const LOCAL_TEMPLATES: Readonly<Record<string, string>> = variantTemplates();
export const TRIVIAL = 'trivial';
const BASELINE_DIR = path.join(ROOT, 'loadtest', 'baseline');
const BOOTSTRAP = path.join(ROOT, 'local-cloud', 'runtime', 'bootstrap.cjs');

export interface LocalTargetOptions {
  /** Variants to load; those the local cloud does not run are left out (and said so). */
  readonly variants: readonly string[];
  /** Where a running local cloud's endpoints.json is looked for. */
  readonly stateDir: string;
  /** Idle timeout of environments in a cloud started here (and of the baseline). */
  readonly idleTimeoutMs: number;
  /** Never reuse a running cloud (tests: ephemeral ports, a known idle timeout). */
  readonly forceStart?: boolean;
  /** Notes for the report (what was started, what was skipped). */
  readonly note?: (line: string) => void;
}

/**
 * endpoints.json of a running local cloud, when every variant in it answers `/health`.
 *
 * @example
 * ```ts
 * const running = await runningLocalCloud('.local-cloud'); // undefined when none answers
 * ```
 */
export async function runningLocalCloud(stateDir: string): Promise<Endpoints | undefined> {
  const file = path.join(stateDir, 'endpoints.json');
  if (!existsSync(file)) return undefined;
  let endpoints: Endpoints;
  try {
    endpoints = JSON.parse(readFileSync(file, 'utf8')) as Endpoints;
  } catch {
    return undefined;
  }
  const urls = Object.values(endpoints.variants).flatMap((v) => (v.url ? [v.url] : []));
  if (urls.length === 0) return undefined;
  const live = await Promise.all(
    urls.map((url) =>
      fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      ),
    ),
  );
  return live.every(Boolean) ? endpoints : undefined;
}

/**
 * What the local cloud says it applied to limit each environment's CPU: `cpu` of the cloud
 * (or of endpoints.json for a running one), or "unknown" when it says nothing (a cloud from
 * before CPU limits).
 *
 * @example
 * ```ts
 * cloudCpu({ cpu: { mechanism: 'cgroup-v1', note: 'CPU limited per process' } }).mechanism; // 'cgroup-v1'
 * ```
 */
export function cloudCpu(source: unknown): { mechanism: string; note: string } {
  const cpu = (source as { cpu?: { mechanism?: unknown; note?: unknown } } | undefined)?.cpu;
  if (cpu && typeof cpu.mechanism === 'string')
    return { mechanism: cpu.mechanism, note: typeof cpu.note === 'string' ? cpu.note : '' };
  return {
    mechanism: 'unknown',
    note: 'the local cloud does not say whether it limited each environment to its CPU share',
  };
}

/** The HTTP API function (the one behind POST /cartoon) of a topology. */
function apiFunctionName(topology: VariantTopology): string | undefined {
  const route = topology.httpApis[0]?.routes.find((r) => r.routeKey === 'POST /cartoon');
  return topology.functions.find((f) => f.logicalId === route?.functionLogicalId)?.name;
}

async function readFrom(file: string, offset: number): Promise<string> {
  if (!existsSync(file)) return '';
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

interface Baseline {
  readonly url: string;
  readonly pool: FunctionPool;
  readonly logFile: string;
  close(): Promise<void>;
}

async function startBaseline(
  dir: string,
  idleTimeoutMs: number,
  cpu: CpuLimits | undefined,
): Promise<Baseline> {
  const optDir = path.join(dir, 'opt');
  mkdirSync(optDir, { recursive: true });
  const logFile = path.join(dir, 'logs', 'loadtest-trivial.log');
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const name = 'loadtest-trivial';
  const pool = new FunctionPool({
    environment: {
      functionName: name,
      functionArn: `arn:aws:lambda:${LOCAL_ACCOUNT.region}:${LOCAL_ACCOUNT.accountId}:function:${name}`,
      // The cartoon API's memory size, so the two differ only in their code.
      memoryMb: MB_PER_VCPU,
      timeoutSeconds: 10,
      handler: 'hello.handler',
      taskRoot: BASELINE_DIR,
      optDir,
      bootstrap: BOOTSTRAP,
      region: LOCAL_ACCOUNT.region,
      variables: {},
      log: (line) => log.write(`${line}\n`),
      // The CPU share of its memory, as the cloud's own environments get: like with like.
      ...(cpu ? { cpu } : {}),
    },
    maxConcurrency: 1000,
    provisionedConcurrency: 0,
    idleTimeoutMs,
  });
  const invoke = (payload: Buffer) => pool.invoke(payload);
  const door: FrontDoor = await startFrontDoor({
    host: '127.0.0.1',
    port: 0,
    context: { accountId: LOCAL_ACCOUNT.accountId, apiId: TRIVIAL },
    routes: [
      { routeKey: 'GET /hello', timeoutMs: 30_000, invoke },
      { routeKey: 'GET /health', timeoutMs: 30_000, invoke },
    ],
  });
  return {
    url: door.url,
    pool,
    logFile,
    close: async () => {
      await door.close();
      await pool.stop();
      await new Promise((r) => log.end(r));
    },
  };
}

/**
 * Connects to (or starts) the local cloud and the baseline.
 *
 * @example
 * ```ts
 * const target = await localTarget({ variants: ['lambda-zip'], stateDir: '.local-cloud', idleTimeoutMs: 3000 });
 * target.variants.map((v) => v.url);
 * await target.close();
 * ```
 */
export async function localTarget(options: LocalTargetOptions): Promise<Target> {
  const note = options.note ?? (() => undefined);
  const skipped = (hosted: (v: string) => boolean) => {
    for (const v of options.variants) {
      if (!hosted(v)) note(`${v}: not run, the local cloud does not host it yet`);
    }
  };
  const work = mkdtempSync(path.join(tmpdir(), 'loadtest-'));
  const closers: (() => Promise<void>)[] = [
    async () => rmSync(work, { recursive: true, force: true }),
  ];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const running = options.forceStart ? undefined : await runningLocalCloud(options.stateDir);
    let endpoints: Endpoints;
    let cloud: LocalCloud | undefined;
    let cpu: { mechanism: string; note: string };
    let topologies: readonly VariantTopology[];
    // A running cloud is used for whichever requested variants it hosts; otherwise one is
    // started here with every requested variant.
    const hostedByRunning = running
      ? options.variants.filter((v) => running.variants[v]?.url !== undefined)
      : [];
    let runnable: string[];
    if (running && hostedByRunning.length > 0) {
      runnable = hostedByRunning;
      skipped((v) => hostedByRunning.includes(v));
      endpoints = running;
      // The template names each variant's HTTP function, whose log file holds its REPORT lines.
      topologies = runnable.flatMap((v) => {
        const template = LOCAL_TEMPLATES[v];
        return template && existsSync(template) ? [readTopology(v, template)] : [];
      });
      note(`used the running local cloud (${path.join(options.stateDir, 'endpoints.json')})`);
      cpu = cloudCpu(running);
    } else {
      const names = VARIANT_NAMES.filter((v) => options.variants.includes(v));
      runnable = [...names];
      skipped((v) => v in LOCAL_TEMPLATES);
      // What `npm start` builds when missing or stale: the packaged zip, the layer for this
      // CPU, the staged images, the synthesized CDK templates.
      await ensureBuilt(names, { log: note });
      cloud = await startLocalCloud({
        stateDir: work,
        persist: false,
        s3Port: 0,
        artifactDirs: artifactDirs(),
        idleTimeoutMs: options.idleTimeoutMs,
        variants: variantSources(names, { port: 0 }),
      });
      const started = cloud;
      closers.push(() => started.close());
      endpoints = cloud.endpoints;
      topologies = cloud.topologies;
      cpu = cloudCpu(cloud);
      note(
        `started a local cloud for the run (idle timeout ${options.idleTimeoutMs} ms), stopped after it`,
      );
    }
    // Limited as the cloud's environments are, or not at all when they are not.
    const limited = cpu.mechanism === 'cgroup-v1' || cpu.mechanism === 'cgroup-v2';
    const baselineCpu = limited ? openCpuLimits() : undefined;
    if (baselineCpu) closers.push(async () => baselineCpu.close());
    const baseline = await startBaseline(work, options.idleTimeoutMs, baselineCpu);
    closers.push(() => baseline.close());

    const logFiles = new Map<string, string>();
    const pools = new Map<string, FunctionPool>();
    let apiMemoryMb: number | undefined;
    for (const topology of topologies) {
      const fn = apiFunctionName(topology);
      if (fn === undefined) continue;
      logFiles.set(topology.name, path.join(endpoints.logs, `${fn}.log`));
      const spec = topology.functions.find((f) => f.name === fn);
      apiMemoryMb ??= spec?.memoryMb;
      const pool = spec ? cloud?.pools.get(spec.logicalId) : undefined;
      if (pool) pools.set(topology.name, pool);
    }
    logFiles.set(TRIVIAL, baseline.logFile);
    pools.set(TRIVIAL, baseline.pool);

    const variants: VariantEndpoint[] = [
      ...runnable.map((name) => ({
        name,
        ...(endpoints.variants[name]?.url ? { url: endpoints.variants[name]?.url } : {}),
        ...(endpoints.variants[name]?.bucket ? { bucket: endpoints.variants[name]?.bucket } : {}),
        lambda: logFiles.has(name),
      })),
      { name: TRIVIAL, url: baseline.url, lambda: true, trivial: true },
    ];
    return {
      where: 'local',
      label: `this machine's local cloud (${process.arch}, Node ${process.versions.node})`,
      variants,
      local: { cpu, apiMemoryMb },
      s3: {
        endpoint: endpoints.s3.endpoint,
        region: endpoints.s3.region,
        credentials: {
          accessKeyId: endpoints.s3.accessKeyId,
          secretAccessKey: endpoints.s3.secretAccessKey,
        },
      },
      async makeCold(variant) {
        const pool = pools.get(variant);
        if (variant === 'fargate') {
          // Locally a fargate cold start is a freshly started task (a new Node process loading
          // the server); the load test cannot restart the local cloud's tasks, so it says so.
          return {
            cold: false,
            how: 'not forced: a fargate cold start is a freshly started task, and the load test cannot restart local tasks',
          };
        }
        if (pool === undefined) {
          return {
            cold: false,
            how: 'not reaped: this local cloud was not started by the load test, so its environments may be warm',
          };
        }
        const reaped = await pool.whenEmpty(options.idleTimeoutMs + 5000);
        return reaped
          ? { cold: true, how: `every environment reaped after ${options.idleTimeoutMs} ms idle` }
          : {
              cold: false,
              how: `environments still alive after ${options.idleTimeoutMs + 5000} ms`,
            };
      },
      async markLogs(variant) {
        const file = logFiles.get(variant);
        return file && existsSync(file) ? statSync(file).size : 0;
      },
      async reportsSince(variant, mark: LogMark): Promise<Report[]> {
        const file = logFiles.get(variant);
        if (file === undefined) return [];
        // The emulator writes REPORT after answering: give the last line a moment to land.
        await new Promise((r) => setTimeout(r, 200));
        return parseReports(await readFrom(file, mark));
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
