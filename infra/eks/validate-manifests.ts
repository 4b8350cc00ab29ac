/**
 * Checks the eks manifests offline before anything is written or applied: each object against
 * its schema (kubernetes-models and @kubernetes-models/keda, in a worker thread, see
 * kubernetes-models.worker.mjs; IngressClassParams by ingress-class-params.ts), then the
 * variant's own rules, which no schema knows (two web pods, zone spread, probes on /health,
 * a grace period longer than the server's drain, one autoscaler per workload, arm64, a locked
 * down container). Schemas do not reject unknown keys: the typed objects in manifests.ts do.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { readFargateConfig } from '../../services/fargate/config';
import { ingressClassParamsProblems } from './ingress-class-params';
import type { IContainer, IDeployment } from './kubernetes-types';
import { APPLY_ORDER, type EksManifests, HEALTH_PATH } from './manifests';

/** Every problem found, one per line, each naming its object (`Kind/name: ...`). */
export class ManifestValidationError extends Error {
  override readonly name = 'ManifestValidationError';
  constructor(readonly problems: readonly string[]) {
    super(`eks manifests are invalid:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  }
}

interface Named {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string };
}

const label = (object: Named) => `${object.kind ?? '?'}/${object.metadata?.name ?? '?'}`;

/**
 * kubernetes-models' verdict on each object: null when it validates, else its message.
 *
 * @example
 * ```ts
 * await schemaProblems([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }]); // [null]
 * ```
 */
export async function schemaProblems(objects: readonly object[]): Promise<(string | null)[]> {
  const worker = new Worker(path.join(__dirname, 'kubernetes-models.worker.mjs'), {
    workerData: { objects },
  });
  try {
    return await new Promise<(string | null)[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`schema worker exited with ${code}`)));
    });
  } finally {
    await worker.terminate();
  }
}

function containerProblems(deployment: IDeployment, container: IContainer): string[] {
  const at = `${label(deployment)} container ${container.name}`;
  const problems: string[] = [];
  for (const probe of ['readinessProbe', 'livenessProbe'] as const) {
    if (container[probe]?.httpGet?.path !== HEALTH_PATH) {
      problems.push(`${at}: ${probe} must GET ${HEALTH_PATH}`);
    }
  }
  const { requests, limits } = container.resources ?? {};
  if (!requests?.cpu || !requests.memory) problems.push(`${at}: cpu and memory requests required`);
  if (JSON.stringify(requests) !== JSON.stringify(limits)) {
    problems.push(`${at}: limits must equal requests (the fargate task size)`);
  }
  const security = container.securityContext ?? {};
  if (
    security.runAsNonRoot !== true ||
    security.readOnlyRootFilesystem !== true ||
    security.allowPrivilegeEscalation !== false ||
    JSON.stringify(security.capabilities?.drop) !== '["ALL"]' ||
    security.seccompProfile?.type !== 'RuntimeDefault'
  ) {
    problems.push(
      `${at}: securityContext must run as non-root, read-only root, no privilege escalation, ` +
        'drop ALL capabilities, seccomp RuntimeDefault',
    );
  }
  // The drain the server itself allows, read from the env as the container would read it.
  const env = Object.fromEntries((container.env ?? []).map(({ name, value }) => [name, value]));
  try {
    const stopSeconds = readFargateConfig(env, 1, 1).stopTimeoutMs / 1000;
    const grace = deployment.spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
    if (grace <= stopSeconds) {
      problems.push(
        `${label(deployment)}: terminationGracePeriodSeconds (${grace}) must exceed the ` +
          `server's stop timeout (${stopSeconds} s), or SIGKILL cuts in-flight images short`,
      );
    }
  } catch (error) {
    problems.push(`${at}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return problems;
}

function deploymentProblems(deployment: IDeployment): string[] {
  const spec = deployment.spec?.template.spec;
  const problems = (spec?.containers ?? []).flatMap((c) => containerProblems(deployment, c));
  if (spec?.nodeSelector?.['kubernetes.io/arch'] !== 'arm64') {
    problems.push(`${label(deployment)}: nodeSelector kubernetes.io/arch must be arm64`);
  }
  return problems;
}

/**
 * The eks variant's own rules, checked on the objects themselves; empty when they hold.
 *
 * @example
 * ```ts
 * invariantProblems({ ...manifests, web: { ...manifests.web, spec: { ...manifests.web.spec!, replicas: 1 } } });
 * // ['Deployment/web: replicas must be at least 2 (got 1)']
 * ```
 */
export function invariantProblems(manifests: EksManifests): string[] {
  const { web, worker, webAutoscaler, workerScaler } = manifests;
  const problems = [...deploymentProblems(web), ...deploymentProblems(worker)];
  const replicas = web.spec?.replicas ?? 1;
  if (replicas < 2) problems.push(`${label(web)}: replicas must be at least 2 (got ${replicas})`);
  const minReplicas = webAutoscaler.spec?.minReplicas ?? 1;
  if (minReplicas < 2) {
    problems.push(`${label(webAutoscaler)}: minReplicas must be at least 2 (got ${minReplicas})`);
  }
  const spread = web.spec?.template.spec?.topologySpreadConstraints ?? [];
  if (!spread.some((c) => c.topologyKey === 'topology.kubernetes.io/zone')) {
    problems.push(`${label(web)}: pods must spread across topology.kubernetes.io/zone`);
  }
  // KEDA makes an HPA of its own for a ScaledObject's target: two would fight over it.
  const hpaTarget = webAutoscaler.spec?.scaleTargetRef.name;
  const kedaTarget = workerScaler.spec?.scaleTargetRef.name;
  if (hpaTarget === kedaTarget) {
    problems.push(
      `${label(webAutoscaler)} and ${label(workerScaler)} must not scale the same workload (${hpaTarget})`,
    );
  }
  if (hpaTarget !== web.metadata?.name) {
    problems.push(`${label(webAutoscaler)}: must scale ${label(web)}, not ${hpaTarget}`);
  }
  if (kedaTarget !== worker.metadata?.name) {
    problems.push(`${label(workerScaler)}: must scale ${label(worker)}, not ${kedaTarget}`);
  }
  return problems;
}

/**
 * Every check at once; throws a ManifestValidationError that lists each problem.
 *
 * @example
 * ```ts
 * await validateManifests(buildManifests(input)); // resolves, or throws listing "Kind/name: ..."
 * ```
 */
export async function validateManifests(manifests: EksManifests): Promise<void> {
  const { ingressClassParams, ...rest } = manifests;
  const others = APPLY_ORDER.filter((key) => key !== 'ingressClassParams').map(
    (key) => rest[key as Exclude<keyof EksManifests, 'ingressClassParams'>] as Named & object,
  );
  const verdicts = await schemaProblems(others);
  const problems = [
    ...others.flatMap((object, index) => {
      const verdict = verdicts[index];
      return verdict ? [`${label(object)}: ${verdict}`] : [];
    }),
    ...ingressClassParamsProblems(ingressClassParams).map(
      (problem) => `${label(ingressClassParams)}: ${problem}`,
    ),
    ...invariantProblems(manifests),
  ];
  if (problems.length > 0) throw new ManifestValidationError(problems);
}
