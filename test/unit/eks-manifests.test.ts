import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { manifestFileName, toYaml, writeManifests } from '../../infra/eks/emit';
import {
  type IngressClassParams,
  ingressClassParamsProblems,
} from '../../infra/eks/ingress-class-params';
import type { IContainer, IDeployment } from '../../infra/eks/kubernetes-types';
import { type EksManifestInputOptions, readEksManifestInput } from '../../infra/eks/manifest-input';
import {
  APPLY_ORDER,
  buildManifests,
  cpuMillicores,
  type EksManifests,
  HEALTH_PATH,
} from '../../infra/eks/manifests';
import {
  invariantProblems,
  ManifestValidationError,
  schemaProblems,
  validateManifests,
} from '../../infra/eks/validate-manifests';
import { readFargateSettings } from '../../infra/lib/settings';
import { readFargateConfig } from '../../services/fargate/config';

const REQUIRED: EksManifestInputOptions = {
  image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cartoon-compute:0.1.0',
  bucket: 'cartoon-compute-eks-dev',
  queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/cartoon-compute-eks-uploads',
  region: 'eu-west-1',
};

const input = readEksManifestInput(REQUIRED);
/** Tests that start the schema worker: its first import of kubernetes-models reads ~1,800 files. */
const WORKER_TIMEOUT_MS = 60_000;
const manifests = buildManifests(input);

function appContainer(deployment: IDeployment): IContainer {
  const container = deployment.spec?.template.spec?.containers[0];
  if (!container) throw new Error(`${deployment.metadata?.name} has no container`);
  return container;
}

function envOf(container: IContainer): Record<string, string | undefined> {
  return Object.fromEntries((container.env ?? []).map(({ name, value }) => [name, value]));
}

/** A copy of the web Deployment with its pod spec changed. */
function withWebPod(
  change: (spec: NonNullable<NonNullable<IDeployment['spec']>['template']['spec']>) => object,
): EksManifests {
  const web = structuredClone(manifests.web);
  const spec = web.spec?.template.spec;
  if (!spec) throw new Error('web has no pod spec');
  Object.assign(spec, change(spec));
  return { ...manifests, web };
}

describe('eks manifests: every object validates', () => {
  test(
    'kubernetes-models and KEDA schemas accept every object, and our own checks pass',
    async () => {
      // Arrange: the objects as built, less IngressClassParams (not a kubernetes-models kind).
      const { ingressClassParams, ...rest } = manifests;
      const objects = Object.values(rest);

      // Act
      const verdicts = await schemaProblems(objects);

      // Assert
      expect(verdicts).toEqual(objects.map(() => null));
      expect(ingressClassParamsProblems(ingressClassParams)).toEqual([]);
      expect(invariantProblems(manifests)).toEqual([]);
      await expect(validateManifests(manifests)).resolves.toBeUndefined();
    },
    WORKER_TIMEOUT_MS,
  );

  test(
    'the schema worker rejects what the schemas forbid, naming the field',
    async () => {
      const bad = structuredClone(manifests.web) as unknown as { spec: { replicas: unknown } };
      bad.spec.replicas = 'two';
      const [verdict] = await schemaProblems([bad]);
      expect(verdict).toMatch(/spec\/replicas must be integer/);
    },
    WORKER_TIMEOUT_MS,
  );

  test(
    'a kind with no schema is an error, not a pass',
    async () => {
      const [verdict] = await schemaProblems([
        { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' } },
      ]);
      expect(verdict).toMatch(/no schema for apiVersion example.com\/v1/);
    },
    WORKER_TIMEOUT_MS,
  );
});

describe('eks manifests: the variant invariants, read from the objects', () => {
  test('web and worker pods request and are limited to the fargate task size', () => {
    const { cpu, memory } = readFargateSettings(() => undefined);
    for (const deployment of [manifests.web, manifests.worker]) {
      const { resources } = appContainer(deployment);
      const size = { cpu: `${cpuMillicores(cpu)}m`, memory: `${memory}Mi` };
      expect(resources?.requests).toEqual(size);
      expect(resources?.limits).toEqual(size);
    }
    expect(cpuMillicores(1024)).toBe(1000);
    expect(cpuMillicores(256)).toBe(250);
  });

  test('a task size from the input reaches requests, limits and MAX_IN_FLIGHT', () => {
    const sized = buildManifests(
      readEksManifestInput({ ...REQUIRED, taskSize: { cpu: 2048, memory: 4096 } }),
    );
    const container = appContainer(sized.web);
    expect(container.resources?.limits).toEqual({ cpu: '2000m', memory: '4096Mi' });
    expect(envOf(container).MAX_IN_FLIGHT).toBe('2');
  });

  test('readiness and liveness probes ask /health, which touches no S3', () => {
    for (const deployment of [manifests.web, manifests.worker]) {
      const container = appContainer(deployment);
      expect(container.readinessProbe?.httpGet?.path).toBe(HEALTH_PATH);
      expect(container.livenessProbe?.httpGet?.path).toBe(HEALTH_PATH);
      expect(container.readinessProbe?.httpGet?.port).toBe(container.ports?.[0]?.name);
    }
  });

  test('the grace period outlasts the preStop sleep plus the server drain it configures', () => {
    for (const deployment of [manifests.web, manifests.worker]) {
      const container = appContainer(deployment);
      const drainSeconds = readFargateConfig(envOf(container), 1, 1).stopTimeoutMs / 1000;
      const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
      const grace = deployment.spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
      expect(drainSeconds).toBe(input.stopTimeoutSeconds);
      expect(grace).toBeGreaterThan(preStop + drainSeconds);
    }
  });

  test('the default drain is the server default, not a copy of it', () => {
    expect(input.stopTimeoutSeconds).toBe(
      readFargateConfig({ BUCKET_NAME: 'x' }, 1, 1).stopTimeoutMs / 1000,
    );
  });

  test('at least two web pods, spread across zones, one disrupted at a time', () => {
    expect(manifests.web.spec?.replicas).toBeGreaterThanOrEqual(2);
    expect(manifests.webAutoscaler.spec?.minReplicas).toBeGreaterThanOrEqual(2);
    const [spread] = manifests.web.spec?.template.spec?.topologySpreadConstraints ?? [];
    expect(spread?.topologyKey).toBe('topology.kubernetes.io/zone');
    expect(spread?.labelSelector?.matchLabels).toEqual(manifests.web.spec?.selector.matchLabels);
    expect(manifests.disruptionBudget.spec?.selector?.matchLabels).toEqual(
      manifests.web.spec?.selector.matchLabels,
    );
  });

  test('the HPA scales web on CPU and KEDA scales the worker: never the same workload', () => {
    const hpa = manifests.webAutoscaler.spec;
    const keda = manifests.workerScaler.spec;
    expect(hpa?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' });
    expect(hpa?.metrics?.[0]?.resource?.name).toBe('cpu');
    expect(keda?.scaleTargetRef.name).toBe(manifests.worker.metadata?.name);
    expect(keda?.scaleTargetRef.name).not.toBe(hpa?.scaleTargetRef.name);
    // KEDA owns the worker's count: an apply must not reset it.
    expect(manifests.worker.spec?.replicas).toBeUndefined();
  });

  test('only the worker polls the queue; KEDA watches that same queue with pod identity', () => {
    expect(envOf(appContainer(manifests.web)).QUEUE_URL).toBeUndefined();
    expect(envOf(appContainer(manifests.worker)).QUEUE_URL).toBe(input.queueUrl);
    const [trigger] = manifests.workerScaler.spec?.triggers ?? [];
    expect(trigger?.type).toBe('aws-sqs-queue');
    expect(trigger?.metadata).toMatchObject({ queueURL: input.queueUrl, awsRegion: input.region });
    expect(trigger?.authenticationRef?.name).toBe(manifests.triggerAuthentication.metadata?.name);
    expect(manifests.triggerAuthentication.spec?.podIdentity?.provider).toBe('aws');
  });

  test('pods select arm64 Auto Mode nodes and run locked down', () => {
    for (const deployment of [manifests.web, manifests.worker]) {
      const spec = deployment.spec?.template.spec;
      expect(spec?.nodeSelector).toEqual({
        'kubernetes.io/arch': 'arm64',
        'eks.amazonaws.com/compute-type': 'auto',
      });
      expect(spec?.serviceAccountName).toBe(manifests.serviceAccount.metadata?.name);
      const security = appContainer(deployment).securityContext;
      expect(security).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      // The read-only root still has a writable /tmp.
      expect(appContainer(deployment).volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      expect(spec?.volumes?.[0]).toMatchObject({ name: 'tmp', emptyDir: {} });
    }
  });

  test('the Ingress goes to the web Service through the Auto Mode ALB class', () => {
    expect(manifests.ingressClass.spec?.controller).toBe('eks.amazonaws.com/alb');
    expect(manifests.ingressClass.metadata?.annotations).toBeUndefined();
    expect(manifests.ingressClass.spec?.parameters).toEqual({
      apiGroup: 'eks.amazonaws.com',
      kind: 'IngressClassParams',
      name: manifests.ingressClassParams.metadata.name,
    });
    expect(manifests.ingress.spec?.ingressClassName).toBe(manifests.ingressClass.metadata?.name);
    const backend = manifests.ingress.spec?.rules?.[0]?.http?.paths[0]?.backend.service;
    expect(backend?.name).toBe(manifests.service.metadata?.name);
    expect(manifests.service.spec?.selector).toEqual(manifests.web.spec?.selector.matchLabels);
  });
});

describe('eks manifests: bad input fails with a clear message', () => {
  test(
    'one web replica is refused at input and flagged on the objects',
    async () => {
      expect(() => readEksManifestInput({ ...REQUIRED, replicas: 1 })).toThrow(
        'eks manifests: replicas must be an integer from 2 to 100; got 1',
      );
      const web = structuredClone(manifests.web);
      if (web.spec) web.spec.replicas = 1;
      const broken = { ...manifests, web };
      expect(invariantProblems(broken)).toContain(
        'Deployment/web: replicas must be at least 2 (got 1)',
      );
      await expect(validateManifests(broken)).rejects.toThrow(ManifestValidationError);
    },
    WORKER_TIMEOUT_MS,
  );

  test('an unknown input key, let through by a cast, is refused by name', () => {
    const typo = { ...REQUIRED, replica: 3 } as EksManifestInputOptions;
    expect(() => readEksManifestInput(typo)).toThrow(/unknown input key 'replica'; expected/);
  });

  test(
    'an unknown key passes the schemas, so the typed literal is the guard',
    async () => {
      // The compile-time half: `tsc -p tsconfig.json` (npm run lint) type-checks this file, and
      // the directive fails the type check if the misspelt key ever became valid. (ts-jest here
      // transpiles without type-checking.)
      const container: IContainer = {
        name: 'app',
        image: 'x/y:1',
        // @ts-expect-error kubernetes-models' interfaces name every field: a typo is a compile error
        readinessProbes: { httpGet: { path: '/health', port: 8080 } },
      };
      const web = structuredClone(manifests.web);
      const spec = web.spec?.template.spec;
      if (spec) spec.containers = [container];

      // The run-time half: kubernetes-models accepts the typo without a word.
      const [verdict] = await schemaProblems([web]);

      expect(verdict).toBeNull();
      expect(invariantProblems({ ...manifests, web })).toContain(
        'Deployment/web container app: readinessProbe must GET /health',
      );
    },
    WORKER_TIMEOUT_MS,
  );

  test('a task size Fargate does not offer is refused with the sizes it does', () => {
    expect(() =>
      readEksManifestInput({ ...REQUIRED, taskSize: { cpu: 1024, memory: 1024 } }),
    ).toThrow('taskSize.memory must be 2048 to 8192 MiB in steps of 1024 MiB for cpu 1024');
  });

  test('a grace period no longer than the drain, or an HPA on the worker, is flagged', () => {
    const short = withWebPod(() => ({ terminationGracePeriodSeconds: input.stopTimeoutSeconds }));
    expect(invariantProblems(short).join('\n')).toMatch(
      /Deployment\/web: terminationGracePeriodSeconds \(25\) must exceed the server's stop timeout \(25 s\)/,
    );
    const clash = structuredClone(manifests.webAutoscaler);
    if (clash.spec) clash.spec.scaleTargetRef.name = 'worker';
    expect(invariantProblems({ ...manifests, webAutoscaler: clash }).join('\n')).toMatch(
      /must not scale the same workload \(worker\)/,
    );
  });

  test('an x86 node selector or a missing zone spread is flagged', () => {
    const amd = withWebPod((spec) => ({
      nodeSelector: { ...spec.nodeSelector, 'kubernetes.io/arch': 'amd64' },
      topologySpreadConstraints: [],
    }));
    expect(invariantProblems(amd)).toEqual([
      'Deployment/web: nodeSelector kubernetes.io/arch must be arm64',
      'Deployment/web: pods must spread across topology.kubernetes.io/zone',
    ]);
  });

  test('IngressClassParams: an unknown or misspelt field fails our own check', () => {
    const params = {
      ...manifests.ingressClassParams,
      spec: { ...manifests.ingressClassParams.spec, sheme: 'internal' },
    } as unknown as IngressClassParams;
    expect(ingressClassParamsProblems(params)).toEqual([
      'spec.sheme is not a documented IngressClassParams field (scheme, namespaceSelector, ipAddressType, subnets, certificateARNs)',
    ]);
    expect(
      ingressClassParamsProblems({
        ...manifests.ingressClassParams,
        apiVersion: 'elbv2.k8s.aws/v1beta1',
      }),
    ).toEqual(['apiVersion must be eks.amazonaws.com/v1']);
    expect(
      ingressClassParamsProblems({
        ...manifests.ingressClassParams,
        spec: { scheme: 'public', certificateARNs: 'arn' },
      }),
    ).toEqual([
      'spec.scheme must be internet-facing or internal',
      'spec.certificateARNs must be a list of ARNs',
    ]);
  });
});

describe('eks manifests: emitted YAML', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eks-manifests-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('each file parses back to the object it came from, in apply order', async () => {
    const written = await writeManifests(dir, manifests);

    expect(written.map(({ kind }) => kind)).toEqual(APPLY_ORDER.map((key) => manifests[key].kind));
    expect((await readdir(dir)).sort()).toEqual(written.map(({ file }) => path.basename(file)));
    for (const [index, key] of APPLY_ORDER.entries()) {
      const file = written[index]?.file as string;
      expect(parse(await readFile(file, 'utf8'))).toEqual(manifests[key]);
    }
  });

  test('strings stay strings and shared objects are written out, not anchored', () => {
    const yaml = toYaml(manifests.workerScaler) + toYaml(manifests.web);
    expect(yaml).toContain('queueLength: "5"');
    expect(yaml).not.toMatch(/[&*]a\d/);
  });

  test('a second write leaves no stale file behind', async () => {
    await writeManifests(dir, manifests);
    const renamed = buildManifests(readEksManifestInput({ ...REQUIRED, namespace: 'other' }));
    await writeManifests(dir, renamed);
    const files = await readdir(dir);
    expect(files).toContain(manifestFileName(0, { kind: 'Namespace', name: 'other' }));
    expect(files).not.toContain(
      manifestFileName(0, { kind: 'Namespace', name: 'cartoon-compute' }),
    );
    expect(files).toHaveLength(APPLY_ORDER.length);
  });
});
