/**
 * The local cloud put together: one S3/SQS endpoint for every variant's buckets and queues,
 * each variant's functions as pools of execution environments, its HTTP API as a front door,
 * and its bucket's notification rules delivered as asynchronous invocations, all from the
 * variants' CloudFormation templates. Writes `endpoints.json` and one log file per function.
 *
 * lambda-image's functions run from its staged image (the layout its Dockerfile's COPY lines
 * make, the image CMD or the template's ImageConfig.Command naming the handler) and its queue
 * is drained by an event source mapping poller; fargate's ECS service runs as task processes
 * behind a local load balancer, polling their queue themselves. A function attached to a
 * capacity provider (Lambda Managed Instances) runs in an LmiPool instead: environments started
 * before traffic, many invocations each, scaled on CPU (lmi-pool.ts). Which of these a variant
 * has is what its template declares.
 */
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  type WriteStream,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  type FunctionLayout,
  findArtifact,
  makeRunDir,
  sweepDeadRuns,
  unpackFunction,
  unpackLayers,
} from './artifacts';
import { AsyncEventStore } from './async-event-store';
import { AsyncInvoker, AWS_RETRY_DELAYS_MS } from './async-invoke';
import { startConsole } from './console';
import { type ContainerImage, imageEnv, layOutImage, readImage } from './container-image';
import { type CpuLimits, type CpuMechanism, noCpuLimits, openCpuLimits } from './cpu-limit';
import type { InvokeResult } from './environment';
import { EsmPoller } from './esm-poller';
import { FargateService } from './fargate-tasks';
import { type FrontDoor, startFrontDoor } from './front-door';
import { FunctionPool } from './function-pool';
import { killLeftovers, recordPids } from './leftovers';
import { installLmiRuntime } from './lmi-environment';
import { LmiPool } from './lmi-pool';
import type { ScalerTiming } from './lmi-scaler';
import { type LmiLocalOptions, lmiSettings } from './lmi-settings';
import { LoadBalancer } from './load-balancer';
import { type ObjectCreated, startS3Endpoint } from './s3-endpoint';
import { matchingRules, s3Notification } from './s3-notifications';
import { LOCAL_ACCOUNT, type QueueSpec, readTopology, type VariantTopology } from './topology';
import { scaledWorkerTimes } from './worker-times';

export interface VariantSource {
  readonly name: string;
  /** The variant's CloudFormation template. */
  readonly template: string;
  /** Port of its front door (or load balancer); 0 for an ephemeral one. */
  readonly port?: number;
  /**
   * The staged Docker build context its image functions or tasks run from
   * (build/containers/lambda-image, build/containers/fargate-x86_64 on an x86_64 machine).
   */
  readonly imageContext?: string;
  /**
   * Replaces a COPY destination of the image with another folder: lambda-image's arm64 layer at
   * /opt/nodejs/node_modules with the layer built for this CPU.
   */
  readonly imageReplace?: Readonly<Record<string, string>>;
  /** fargate: how many tasks; the service's desired count by default. */
  readonly tasks?: number;
  /**
   * A CDK app's output folder: a zip function whose S3Key is a CDK asset (`<hash>.zip`) runs
   * from the staged `asset.<hash>` folder there.
   */
  readonly assetDir?: string;
  /** An unpacked layer folder (an /opt) that stands in for the template's layers. */
  readonly layerDir?: string;
}

export interface LocalCloudOptions {
  readonly variants: readonly VariantSource[];
  /** Where endpoints.json, logs/ and the persistent S3/SQS state go. */
  readonly stateDir: string;
  readonly host?: string;
  readonly s3Port?: number;
  /** Keep buckets, objects and queues across restarts (in stateDir). */
  readonly persist?: boolean;
  /** Folders searched for the artifacts the templates name. */
  readonly artifactDirs: readonly string[];
  /** Run a function from a folder instead of its zip (tests), by logical id. */
  readonly codeDirs?: Readonly<Record<string, string>>;
  readonly idleTimeoutMs?: number;
  /** The local account's concurrency limit, for functions without reserved concurrency. */
  readonly accountConcurrency?: number;
  /** Multiplies AWS's async retry delays (60 s, 120 s); 1/60 gives 1 s and 2 s. */
  readonly retryDelayScale?: number;
  readonly throttleRetryMs?: number;
  /** Echoes every function log line here too (the CLI's debug level). */
  readonly echo?: (functionName: string, line: string) => void;
  /**
   * Multiplies the queues' visibility timeouts (lambda-image's is 361 s, so a failed batch
   * comes back after six minutes, as on AWS); tests shorten it.
   */
  readonly visibilityTimeoutScale?: number;
  /** Extra variables for fargate tasks. */
  readonly taskEnvironment?: Readonly<Record<string, string>>;
  /** Overrides the target group's health check interval (ms), for tests. */
  readonly healthCheckIntervalMs?: number;
  /** Overrides the container's stop timeout (ms), for tests. */
  readonly stopTimeoutMs?: number;
  /** Apply the HTTP API stages' throttling (true by default, as deployed). */
  readonly throttle?: boolean;
  /** Long-poll wait of the event source mapping pollers, seconds (20). */
  readonly esmWaitSeconds?: number;
  /** Progress notes (fargate task replacements, poller errors). */
  readonly note?: (message: string) => void;
  /** Port of the console page (0 for an ephemeral one); the repository root it is built from. */
  readonly console?: { readonly port?: number; readonly root: string };
  /**
   * Hold each environment to its memory's CPU share and each fargate task to its vCPU (true by
   * default, where the machine has writable cgroups; see cpu-limit.ts).
   */
  readonly cpuLimits?: boolean;
  /**
   * Lambda Managed Instances functions: how closely to follow AWS's worker and environment
   * counts (lmi-settings.ts), and the scaler's time scale (lmi-scaler.ts).
   */
  readonly lmi?: LmiLocalOptions & { readonly timing?: ScalerTiming };
}

/** Whether local processes get the CPU the platform would give them, and how. */
export interface CpuApplied {
  readonly mechanism: CpuMechanism;
  readonly note: string;
}

/** What endpoints.json holds. */
export interface Endpoints {
  readonly s3: {
    readonly endpoint: string;
    readonly region: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
  };
  readonly variants: Record<string, { readonly url?: string; readonly bucket?: string }>;
  readonly queues: Record<string, string>;
  readonly logs: string;
  /** The web page's address, when the console runs. */
  readonly console?: string;
  /** Whether environments and tasks get the CPU their platform would give them. */
  readonly cpu: CpuApplied;
}

export interface LocalCloud {
  readonly endpoints: Endpoints;
  readonly topologies: readonly VariantTopology[];
  /** The pools by function name, for tests and the console. */
  readonly pools: ReadonlyMap<string, FunctionPool>;
  /** Lambda Managed Instances functions' pools, by logical id. */
  readonly lmiPools: ReadonlyMap<string, LmiPool>;
  /** Asynchronous invokers by `<variant>/<function logical id>`. */
  readonly asyncInvokers: ReadonlyMap<string, AsyncInvoker>;
  /** Event source mapping pollers by mapping logical id. */
  readonly esmPollers: ReadonlyMap<string, EsmPoller>;
  /** fargate services and their load balancers, by variant name. */
  readonly services: ReadonlyMap<string, FargateService>;
  readonly loadBalancers: ReadonlyMap<string, LoadBalancer>;
  /** Every process the local cloud started (fauxqs, environments and tasks). */
  pids(): number[];
  /** What applied to the CPU of environments and tasks. */
  readonly cpu: CpuApplied;
  /**
   * Stops everything in order: first no new attempt, retry or poll, and every Lambda environment
   * killed (frozen ones too; asynchronous events not yet delivered stay in the state folder),
   * then the servers, the fargate tasks (drained as ECS drains them) and the S3/SQS endpoint.
   */
  close(): Promise<void>;
  /**
   * SIGKILLs every environment and task process group now, for a process that must exit at once
   * (a second Ctrl-C, a stop that hangs). Synchronous; the S3/SQS endpoint stops itself when its
   * pipe to this process closes.
   */
  kill(): void;
}

/**
 * Starts the local cloud.
 *
 * @example
 * ```ts
 * const cloud = await startLocalCloud({ stateDir: '.local-cloud', artifactDirs: ['build', 'build/functions'],
 *   variants: [{ name: 'lambda-zip', template: '.serverless/cloudformation-template-update-stack.json' }] });
 * console.log(cloud.endpoints.variants['lambda-zip']?.url);
 * await cloud.close();
 * ```
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const region = LOCAL_ACCOUNT.region;
  const topologies = options.variants.map((v) => readTopology(v.name, v.template));
  const logsDir = path.resolve(options.stateDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const pidFile = path.resolve(options.stateDir, 'pids.json');
  killLeftovers(pidFile);

  const cpu: CpuLimits =
    options.cpuLimits === false
      ? noCpuLimits('CPU not limited: turned off (--no-cpu-limits)')
      : openCpuLimits();
  // First, so it runs last: a group can go only once its processes have.
  const closers: (() => Promise<void> | void)[] = [() => cpu.close()];
  // Every closer runs, the last registered first, each whatever the others do: a server that
  // fails to close must not leave the run folder, the queues' client or the pid record
  // behind. Closing twice closes once.
  let closing: Promise<void> | undefined;
  // Whatever the order of the closers, the functions stop first: an attempt or retry must not
  // start against servers that are going away, and every environment must be dead before
  // anything slow (fargate's drain) can be cut short by a second Ctrl-C.
  const stopFunctions = () => {
    for (const invoker of invokers.values()) invoker.stop();
    // Each stop() aborts its polls at once; a batch in flight ends when its environment dies.
    const polling = [...pollers.values()].map((poller) => poller.stop());
    const dying = [...pools.values(), ...lmiPools.values()].map((pool) => pool.stop());
    return Promise.all([...polling, ...dying]).then(() => undefined);
  };
  const close = () => {
    closing ??= (async () => {
      const errors: unknown[] = [];
      try {
        await stopFunctions();
      } catch (err) {
        errors.push(err);
      }
      for (const closer of [...closers].reverse()) {
        try {
          await closer();
        } catch (err) {
          errors.push(err);
        }
      }
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new AggregateError(errors, 'local cloud: closing failed');
    })();
    return closing;
  };
  const pools = new Map<string, FunctionPool>();
  const lmiPools = new Map<string, LmiPool>();
  // Two CDK stacks may give their functions the same logical id (lambda-image's and
  // managed-instances' `Api…`): what invokes a function is found by variant and logical id.
  const scoped = (variant: string, logicalId: string) => `${variant}/${logicalId}`;
  const functionInvokers = new Map<
    string,
    (payload: Buffer, requestId?: string) => Promise<InvokeResult>
  >();
  /** Invokes a variant's function synchronously, whichever kind of pool runs it. */
  const invokerOf = (variant: string, logicalId: string) => {
    const invoke = functionInvokers.get(scoped(variant, logicalId));
    if (invoke === undefined) throw new Error(`${variant}: no function ${logicalId}`);
    return invoke;
  };
  const invokers = new Map<string, AsyncInvoker>();
  const pollers = new Map<string, EsmPoller>();
  const services = new Map<string, FargateService>();
  const balancers = new Map<string, LoadBalancer>();
  const visibilityScale = options.visibilityTimeoutScale ?? 1;
  const queueAttributes = (q: QueueSpec): Record<string, string> => ({
    VisibilityTimeout: String(
      Math.max(1, Math.round(q.visibilityTimeoutSeconds * visibilityScale)),
    ),
    ...(q.redrive === undefined ? {} : { RedrivePolicy: JSON.stringify(q.redrive) }),
  });
  const variantUrls: Record<string, string> = {};
  try {
    // First, so every server below knows the one origin its CORS answers allow.
    const consoleServer =
      options.console === undefined
        ? undefined
        : await startConsole({
            host: options.host ?? '127.0.0.1',
            port: options.console.port ?? 0,
            root: options.console.root,
            variants: () => variantUrls,
          });
    if (consoleServer !== undefined) closers.push(() => consoleServer.close());
    const corsOrigin = consoleServer?.url;
    // Rules are wired after the functions exist; uploads before that fire nothing.
    const dispatch: { handle: (created: ObjectCreated) => void } = { handle: () => undefined };
    const s3 = await startS3Endpoint({
      host: options.host ?? '127.0.0.1',
      port: options.s3Port ?? 0,
      region,
      ...(options.persist ? { stateDir: path.resolve(options.stateDir, 'state') } : {}),
      buckets: topologies.flatMap((t) => t.buckets.map((b) => b.name)),
      queues: topologies.flatMap((t) =>
        t.queues.map((q) => ({ name: q.name, attributes: queueAttributes(q) })),
      ),
      onObjectCreated: (created) => dispatch.handle(created),
      corsOrigin,
    });
    closers.push(() => s3.close());

    const sqs = new SQSClient({
      region,
      endpoint: s3.endpoint,
      credentials: s3.credentials,
      // fauxqs's own queue URLs name a host (sqs.<region>.localhost) that may not resolve.
      useQueueUrlAsEndpoint: false,
    });
    closers.push(() => sqs.destroy());
    const sendToDestination = async (arn: string, body: string) => {
      const name = arn.split(':').at(-1) ?? arn;
      await sqs.send(new SendMessageCommand({ QueueUrl: s3.queueUrl(name), MessageBody: body }));
    };

    const logFiles: WriteStream[] = [];
    closers.push(() => Promise.all(logFiles.map((f) => new Promise((r) => f.end(r)))).then());
    // Every unpacked function, layer set and image lives in this run's folder, removed after
    // the functions have stopped; one left by a run that died is removed by the next start.
    sweepDeadRuns();
    const runDir = makeRunDir();
    closers.push(() => rmSync(runDir, { recursive: true, force: true }));
    // The queue URLs in templates are AWS's; the code running here talks to the local endpoint.
    const localQueueUrl = (value: string) =>
      value.replace(/^https:\/\/sqs\.[^/]+\.amazonaws\.com\/\d+\/(.+)$/, (_m, name: string) =>
        s3.queueUrl(name),
      );
    // A template's variables as the code running here needs them: queue URLs pointed at the
    // local endpoint, and the SDK sent there with the local keys, never to AWS or the
    // instance metadata service. Functions and tasks get the same block.
    const localVariables = (variables: Readonly<Record<string, string>>) => ({
      ...Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, localQueueUrl(v)])),
      S3_ENDPOINT: s3.endpoint,
      AWS_ENDPOINT_URL: s3.endpoint,
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    });

    // Functions with the same layers (or none) share one /opt, unpacked once.
    // The functions are unpacked one after another, so a plain map is enough.
    const optDirs = new Map<string, string>();
    const sharedOpt = async (layers: readonly string[]) => {
      const key = layers.join('\n');
      let optDir = optDirs.get(key);
      if (optDir === undefined) {
        optDir = (await unpackLayers(layers, runDir)).optDir;
        optDirs.set(key, optDir);
      }
      return optDir;
    };

    for (const [index, topology] of topologies.entries()) {
      const source = options.variants[index];
      let image: { image: ContainerImage; root: string } | undefined;
      for (const fn of topology.functions) {
        let layout: FunctionLayout;
        let handler = fn.handler;
        let imageVariables: Record<string, string> = {};
        if (fn.packageType === 'Image') {
          if (source?.imageContext === undefined) {
            throw new Error(
              `${topology.name}: ${fn.logicalId} is an image function: no imageContext`,
            );
          }
          if (image === undefined) {
            // One layout per image, shared by its functions, as they share the image.
            const root = mkdtempSync(path.join(runDir, 'local-cloud-image-'));
            const read = readImage(source.imageContext);
            layOutImage(read, root, source.imageReplace);
            image = { image: read, root };
          }
          layout = await unpackFunction(undefined, path.join(image.root, 'opt'), {
            codeDir: path.join(image.root, 'var', 'task'),
            parent: runDir,
          });
          handler = fn.imageCommand?.[0] ?? image.image.cmd[0] ?? fn.handler;
          imageVariables = imageEnv(image.image, image.root);
        } else {
          const codeDir =
            options.codeDirs?.[fn.logicalId] ?? cdkAsset(source?.assetDir, fn.codeArtifact);
          const codeZip =
            codeDir === undefined && fn.codeArtifact !== undefined
              ? findArtifact(fn.codeArtifact, options.artifactDirs)
              : undefined;
          const optDir =
            source?.layerDir !== undefined && fn.layerArtifacts.length > 0
              ? source.layerDir
              : await sharedOpt(
                  fn.layerArtifacts.map((l) => findArtifact(l, options.artifactDirs)),
                );
          layout = await unpackFunction(codeZip, optDir, {
            ...(codeDir ? { codeDir } : {}),
            parent: runDir,
          });
        }
        const file = createWriteStream(path.join(logsDir, `${fn.name}.log`), { flags: 'a' });
        logFiles.push(file);
        const log = (line: string) => {
          file.write(`${line}\n`);
          options.echo?.(fn.name, line);
        };
        // What every environment of the function gets, plain Lambda or managed instances.
        const environment = {
          functionName: fn.name,
          functionArn: fn.arn,
          memoryMb: fn.memoryMb,
          timeoutSeconds: fn.timeoutSeconds,
          handler,
          taskRoot: layout.taskRoot,
          optDir: layout.optDir,
          // AWS_REGION and AWS_DEFAULT_REGION come from `region`, as Lambda sets them.
          region,
          variables: { ...imageVariables, ...localVariables(fn.environment) },
          log,
          cpu,
        };
        if (fn.managedInstances !== undefined) {
          const provider = topology.capacityProviders.find(
            (p) => p.logicalId === fn.managedInstances?.capacityProviderLogicalId,
          );
          const settings = lmiSettings(
            { ...fn, managedInstances: fn.managedInstances },
            provider,
            options.lmi,
          );
          for (const note of settings.notes) options.note?.(note);
          const lmiPool = new LmiPool({
            environment: {
              ...environment,
              // The function's runtime folder holds the LMI runtime client instead.
              bootstrap: installLmiRuntime(path.dirname(layout.bootstrap)),
              vcpus: settings.vcpus,
              maxConcurrency: settings.maxConcurrency,
              workers: settings.workers,
              // sharp's advice for worker threads on glibc (bootstrap-lmi.cjs says why).
              mainThreadRequire: ['sharp'],
            },
            minEnvironments: settings.minEnvironments,
            maxEnvironments: settings.maxEnvironments,
            cpuTarget: settings.cpuTarget,
            ...(options.lmi?.timing === undefined ? {} : { timing: options.lmi.timing }),
            ...(options.note === undefined ? {} : { note: options.note }),
          });
          lmiPools.set(fn.logicalId, lmiPool);
          functionInvokers.set(scoped(topology.name, fn.logicalId), (payload, id) =>
            lmiPool.invoke(payload, id),
          );
        } else {
          const pool = new FunctionPool({
            environment: { ...environment, bootstrap: layout.bootstrap },
            maxConcurrency: fn.reservedConcurrency ?? options.accountConcurrency ?? 1000,
            provisionedConcurrency: fn.provisionedConcurrency,
            ...(fn.provisionedVersion === undefined
              ? {}
              : { provisionedVersion: fn.provisionedVersion }),
            idleTimeoutMs: options.idleTimeoutMs ?? 10 * 60_000,
          });
          pools.set(fn.logicalId, pool);
          functionInvokers.set(scoped(topology.name, fn.logicalId), (payload, id) =>
            pool.invoke(payload, id),
          );
        }
        invokers.set(
          scoped(topology.name, fn.logicalId),
          new AsyncInvoker({
            functionArn: fn.arn,
            config: fn.async,
            invoke: invokerOf(topology.name, fn.logicalId),
            retryDelaysMs: AWS_RETRY_DELAYS_MS.map(
              (ms) => ms * (options.retryDelayScale ?? 1 / 60),
            ),
            throttleRetryMs: options.throttleRetryMs ?? 500,
            sendToDestination,
            // Accepted events outlive the process only where the queues and objects do.
            ...(options.persist
              ? {
                  store: new AsyncEventStore(
                    path.resolve(
                      options.stateDir,
                      'state',
                      'async-events',
                      // The first variants' folders predate the variant in the path.
                      fn.managedInstances === undefined
                        ? fn.logicalId
                        : path.join(topology.name, fn.logicalId),
                    ),
                  ),
                }
              : {}),
            log: (message) => file.write(`${message}\n`),
          }),
        );
      }
    }

    for (const topology of topologies) {
      for (const mapping of topology.eventSourceMappings) {
        const queue = topology.queues.find((q) => q.arn === mapping.queueArn);
        const known = functionInvokers.has(scoped(topology.name, mapping.functionLogicalId));
        if (!mapping.enabled || !known || queue === undefined) continue;
        const invoke = invokerOf(topology.name, mapping.functionLogicalId);
        const poller = new EsmPoller({
          sqs,
          queueUrl: s3.queueUrl(queue.name),
          queueArn: queue.arn,
          region,
          batchSize: mapping.batchSize,
          maximumBatchingWindowSeconds: mapping.maximumBatchingWindowSeconds,
          reportBatchItemFailures: mapping.reportBatchItemFailures,
          // Lambda's starting point for SQS; the local pollers do not scale up beyond it.
          pollers: Math.min(5, mapping.maximumConcurrency ?? 5),
          invoke: (payload) => invoke(payload),
          ...(options.esmWaitSeconds === undefined
            ? {}
            : { waitTimeSeconds: options.esmWaitSeconds }),
          ...(options.note === undefined ? {} : { log: options.note }),
        });
        pollers.set(mapping.logicalId, poller);
        poller.start();
      }
    }

    for (const [index, topology] of topologies.entries()) {
      const service = topology.services[0];
      const source = options.variants[index];
      if (service === undefined) continue;
      if (source?.imageContext === undefined) {
        throw new Error(`${topology.name}: an ECS service needs an imageContext`);
      }
      const { healthCheck } = service;
      const lb = await LoadBalancer.start({
        host: options.host ?? '127.0.0.1',
        port: source.port ?? 0,
        healthCheck: {
          path: healthCheck.path,
          intervalMs: options.healthCheckIntervalMs ?? healthCheck.intervalSeconds * 1000,
          timeoutMs: healthCheck.timeoutSeconds * 1000,
          healthyThreshold: healthCheck.healthyThreshold,
          unhealthyThreshold: healthCheck.unhealthyThreshold,
        },
        deregistrationDelayMs: service.deregistrationDelaySeconds * 1000,
        corsOrigin,
      });
      closers.push(() => lb.close());
      balancers.set(topology.name, lb);
      const fargate = await FargateService.start({
        image: readImage(source.imageContext),
        environment: {
          ...localVariables(service.environment),
          ...scaledWorkerTimes(service.environment, visibilityScale),
          // The task's own queue poller (services/fargate/config.ts) reads it.
          SQS_ENDPOINT: s3.endpoint,
          ...options.taskEnvironment,
        },
        desiredCount: source.tasks ?? service.desiredCount,
        stopTimeoutMs: options.stopTimeoutMs ?? service.stopTimeoutSeconds * 1000,
        // CPU units as the task definition gives them: 1024 is one vCPU.
        cpu: { limits: cpu, vcpus: service.cpu / 1024 },
        loadBalancer: lb,
        logsDir,
        ...(options.note === undefined ? {} : { log: options.note }),
      });
      services.set(topology.name, fargate);
      closers.push(() => fargate.stop());
    }

    dispatch.handle = (created) => {
      for (const topology of topologies) {
        const bucket = topology.buckets.find((b) => b.name === created.bucket);
        if (bucket === undefined) continue;
        for (const { rule, configurationId } of matchingRules(bucket.notifications, created)) {
          const notification = s3Notification(created, { region, configurationId });
          const payload = Buffer.from(JSON.stringify(notification));
          if (rule.target.kind === 'function') {
            invokers.get(scoped(topology.name, rule.target.logicalId))?.submit(payload);
          } else {
            sendToDestination(rule.target.arn, payload.toString('utf8')).catch(() => undefined);
          }
        }
      }
    };

    const variants: Record<string, { url?: string; bucket?: string }> = {};
    for (const [index, topology] of topologies.entries()) {
      const entry: { url?: string; bucket?: string } = {};
      const bucket = topology.buckets[0];
      if (bucket !== undefined) entry.bucket = bucket.name;
      const api = topology.httpApis[0];
      const lb = balancers.get(topology.name);
      if (lb !== undefined) entry.url = lb.url;
      if (api !== undefined) {
        const door: FrontDoor = await startFrontDoor({
          host: options.host ?? '127.0.0.1',
          port: options.variants[index]?.port ?? 0,
          context: { accountId: LOCAL_ACCOUNT.accountId, apiId: topology.name },
          corsOrigin,
          ...(api.throttle === undefined || options.throttle === false
            ? {}
            : { throttle: api.throttle }),
          routes: api.routes.map((route) => {
            const invoke = invokerOf(topology.name, route.functionLogicalId);
            return {
              routeKey: route.routeKey,
              timeoutMs: route.timeoutMs,
              invoke: (payload: Buffer) => invoke(payload),
            };
          }),
        });
        closers.push(() => door.close());
        entry.url = door.url;
      }
      variants[topology.name] = entry;
      if (entry.url !== undefined) variantUrls[topology.name] = entry.url;
    }

    const endpoints: Endpoints = {
      s3: {
        endpoint: s3.endpoint,
        region,
        accessKeyId: s3.credentials.accessKeyId,
        secretAccessKey: s3.credentials.secretAccessKey,
      },
      variants,
      queues: Object.fromEntries(
        topologies.flatMap((t) => t.queues.map((q) => [q.name, s3.queueUrl(q.name)])),
      ),
      logs: logsDir,
      ...(corsOrigin === undefined ? {} : { console: corsOrigin }),
      cpu: { mechanism: cpu.mechanism, note: cpu.note },
    };
    writeFileSync(
      path.join(options.stateDir, 'endpoints.json'),
      `${JSON.stringify(endpoints, null, 2)}\n`,
    );
    const pids = () => [
      ...(s3.pid === undefined ? [] : [s3.pid]),
      ...[...pools.values(), ...lmiPools.values()].flatMap((p) => p.pids()),
      ...[...services.values()].flatMap((service) => service.pids()),
    ];
    // First in the list, so it runs last on close: emptied only once every process is stopped.
    const record = recordPids(pidFile, pids);
    closers.unshift(() => record.stop());
    // LMI's minimum environments start before the function takes traffic, as a version
    // becomes ACTIVE only once they run.
    await Promise.all([...pools.values(), ...lmiPools.values()].map((pool) => pool.ready()));
    await Promise.all([...services.values()].map((service) => service.ready()));
    // Events a previous run accepted and did not deliver, now that everything answers.
    for (const [logicalId, invoker] of invokers) {
      const resumed = invoker.resume();
      if (resumed > 0) options.note?.(`${logicalId}: resuming ${resumed} asynchronous event(s)`);
    }
    const kill = () => {
      for (const invoker of invokers.values()) invoker.stop();
      for (const pool of pools.values()) pool.kill();
      for (const pool of lmiPools.values()) pool.kill();
      for (const service of services.values()) service.kill();
    };
    return {
      endpoints,
      topologies,
      pools,
      lmiPools,
      asyncInvokers: invokers,
      esmPollers: pollers,
      services,
      loadBalancers: balancers,
      pids,
      cpu: endpoints.cpu,
      close,
      kill,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The staged folder of a CDK asset named `<hash>.zip`, when there is one. */
function cdkAsset(assetDir: string | undefined, artifact: string | undefined): string | undefined {
  if (assetDir === undefined || artifact === undefined) return undefined;
  const folder = path.join(assetDir, `asset.${artifact.replace(/\.zip$/, '')}`);
  return existsSync(folder) ? folder : undefined;
}
