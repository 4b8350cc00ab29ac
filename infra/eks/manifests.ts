/**
 * The eks variant's Kubernetes objects, written once as typed objects (kubernetes-models'
 * interfaces, so an unknown key in a literal is a compile error) and emitted as YAML by
 * scripts/emit-k8s.ts for `kubectl apply`. The same container as the fargate variant, run
 * twice: the web Deployment serves HTTP only (no QUEUE_URL), the worker Deployment also polls
 * the S3 notification queue (services/fargate/main.ts starts the worker when QUEUE_URL is set),
 * scaled by KEDA on that queue's depth. The web pods are scaled by an HPA on CPU; the two
 * autoscalers never share a workload.
 *
 * Sources (read 2026-12): Kubernetes docs (kubernetes.io/docs: Deployments, Pod topology
 * spread constraints, Configure liveness/readiness probes, Container lifecycle hooks (sleep
 * action), Pod security context, Disruptions, Horizontal Pod Autoscaling); Amazon EKS User
 * Guide (docs.aws.amazon.com/eks/latest/userguide: auto-configure-alb, associate-workload,
 * create-node-pool, pod-identities); KEDA 2.21 docs (keda.sh/docs/2.21: scalers/aws-sqs,
 * authentication-providers/aws).
 */

import { readFargateConfig } from '../../services/fargate/config';
import { serviceEnvironment } from '../lib/service-environment';
import { readFargateSettings } from '../lib/settings';
import { INGRESS_CLASS_PARAMS_API_VERSION, type IngressClassParams } from './ingress-class-params';
import type {
  IContainer,
  IDeployment,
  IHorizontalPodAutoscaler,
  IIngress,
  IIngressClass,
  INamespace,
  IPodDisruptionBudget,
  IPodSpec,
  IProbe,
  IScaledObject,
  IService,
  IServiceAccount,
  ITriggerAuthentication,
} from './kubernetes-types';
import type { EksManifestInput } from './manifest-input';

/** The container's port (its PORT, as in the fargate task definition). */
export const CONTAINER_PORT = 8080;
/** Answers 200 from the process itself: no S3 call (services/fargate/server.ts). */
export const HEALTH_PATH = '/health';
/** `node` in node:24-bookworm-slim (container/fargate/Dockerfile's USER). */
const NODE_UID = 1000;
/**
 * After SIGTERM's preStop sleep, the pod keeps serving while the ALB stops sending to it: the
 * endpoint's removal and the target's deregistration run concurrently with termination
 * (Kubernetes docs, "Pod lifecycle: termination of Pods"). The `sleep` action needs no binary
 * in the image: beta and on by default since Kubernetes 1.30, stable in 1.34 (KEP-3960,
 * https://www.kubernetes.dev/resources/keps/3960/, read 2026-12). The grace period's countdown
 * starts before the hook runs (API reference, Lifecycle.preStop), so it must include it.
 */
export const PRE_STOP_SLEEP_SECONDS = 10;
/** Slack between the server's own deadline and Kubernetes' SIGKILL. */
const KILL_MARGIN_SECONDS = 5;

export interface EksManifests {
  readonly namespace: INamespace;
  readonly serviceAccount: IServiceAccount;
  readonly ingressClassParams: IngressClassParams;
  readonly ingressClass: IIngressClass;
  readonly web: IDeployment;
  readonly service: IService;
  readonly ingress: IIngress;
  readonly disruptionBudget: IPodDisruptionBudget;
  readonly webAutoscaler: IHorizontalPodAutoscaler;
  readonly worker: IDeployment;
  readonly triggerAuthentication: ITriggerAuthentication;
  readonly workerScaler: IScaledObject;
}

/** The order `kubectl apply` needs: the namespace before what lives in it. */
export const APPLY_ORDER: readonly (keyof EksManifests)[] = [
  'namespace',
  'serviceAccount',
  'ingressClassParams',
  'ingressClass',
  'web',
  'service',
  'ingress',
  'disruptionBudget',
  'webAutoscaler',
  'worker',
  'triggerAuthentication',
  'workerScaler',
];

const APP = 'cartoon-compute';
const labels = (component: 'web' | 'worker') => ({
  'app.kubernetes.io/name': APP,
  'app.kubernetes.io/component': component,
});

/** 1,024 CPU units are one vCPU, 1,000 millicores in Kubernetes. */
export function cpuMillicores(cpuUnits: number): number {
  return Math.round((cpuUnits * 1000) / 1024);
}

/**
 * terminationGracePeriodSeconds: the preStop sleep, then the server's own deadline for what is
 * in flight (STOP_TIMEOUT_SECONDS), then a margin, so the server always exits by itself first.
 */
export function gracePeriodSeconds(stopTimeoutSeconds: number): number {
  return PRE_STOP_SLEEP_SECONDS + stopTimeoutSeconds + KILL_MARGIN_SECONDS;
}

/** The variables the container reads, as the fargate task definition sets them. */
function containerEnvironment(input: EksManifestInput, queue: boolean): Record<string, string> {
  const settings = readFargateSettings(() => undefined);
  const env: Record<string, string> = {
    ...serviceEnvironment({
      // 'eks' is not a variant the core knows yet (VARIANTS in layers/core/src/logger.ts), and
      // config.ts refuses unknown ones: the pods answer as the fargate container they are.
      variant: 'fargate',
      bucket: { bucketName: input.bucket } as Parameters<typeof serviceEnvironment>[0]['bucket'],
      settings,
      version: input.version,
      queueVisibilitySeconds: settings.queueVisibilitySeconds,
    }),
    PORT: String(CONTAINER_PORT),
    STOP_TIMEOUT_SECONDS: String(input.stopTimeoutSeconds),
    AWS_REGION: input.region,
    // One image per vCPU of the pod's limit, set rather than measured: inside a pod the
    // process may see the node's CPUs, not its share.
    MAX_IN_FLIGHT: String(Math.max(1, Math.floor(input.taskSize.cpu / 1024))),
    ...(queue ? { QUEUE_URL: input.queueUrl } : {}),
  };
  // The container's own reader, so a value it would refuse at start fails here instead.
  readFargateConfig(env, 1, input.taskSize.memory * 1024 * 1024);
  return env;
}

function container(input: EksManifestInput, queue: boolean): IContainer {
  const quantity = {
    cpu: `${cpuMillicores(input.taskSize.cpu)}m`,
    memory: `${input.taskSize.memory}Mi`,
  };
  const probe = (periodSeconds: number, failureThreshold: number): IProbe => ({
    httpGet: { path: HEALTH_PATH, port: 'http' },
    periodSeconds,
    // The Dockerfile's HEALTHCHECK gives /health 3 s too.
    timeoutSeconds: 3,
    failureThreshold,
  });
  return {
    name: 'app',
    image: input.image,
    ports: [{ name: 'http', containerPort: CONTAINER_PORT, protocol: 'TCP' }],
    env: Object.entries(containerEnvironment(input, queue)).map(([name, value]) => ({
      name,
      value,
    })),
    // Requests equal to limits: the fargate task's size, and Guaranteed QoS, so the pod is
    // the last to be evicted under node pressure.
    resources: { requests: quantity, limits: quantity },
    // Ready within a period of starting; out of rotation after two failed checks.
    readinessProbe: probe(5, 2),
    // Restarted after 45 s without an answer. /health answers even under load
    // (server.ts), so a busy pod is not mistaken for a dead one.
    livenessProbe: probe(15, 3),
    lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SLEEP_SECONDS } } },
    securityContext: {
      // Numeric: the image's USER is the name `node`, which the kubelet cannot check.
      runAsNonRoot: true,
      runAsUser: NODE_UID,
      runAsGroup: NODE_UID,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

function podSpec(input: EksManifestInput, component: 'web' | 'worker'): IPodSpec {
  return {
    // Pod Identity: the association (cluster, namespace, this account) is made by the CDK
    // stack; the service account needs no annotation (EKS User Guide, "Learn how EKS Pod
    // Identity grants pods access to AWS services",
    // https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html, read 2026-12).
    serviceAccountName: APP,
    containers: [container(input, component === 'worker')],
    // Graviton, on Auto Mode's nodes: `kubernetes.io/arch` and `eks.amazonaws.com/compute-type`
    // are labels Auto Mode sets (EKS User Guide, create-node-pool "EKS Auto Mode Supported"
    // labels, and associate-workload, read 2026-12). Auto Mode's built-in general-purpose pool
    // is amd64 only (set-builtin-node-pools): an arm64 NodePool must exist (the CDK stack).
    nodeSelector: {
      'kubernetes.io/arch': 'arm64',
      'eks.amazonaws.com/compute-type': 'auto',
    },
    terminationGracePeriodSeconds: gracePeriodSeconds(input.stopTimeoutSeconds),
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    // The root filesystem is read-only; libvips and Node may still want a scratch directory.
    volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } }],
    ...(component === 'web'
      ? {
          // One zone's loss leaves pods serving: never two more in one zone than another.
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'DoNotSchedule',
              labelSelector: { matchLabels: labels('web') },
            },
          ],
        }
      : {}),
  };
}

/**
 * Every object of the eks variant, from a checked input (readEksManifestInput).
 *
 * @example
 * ```ts
 * const manifests = buildManifests(readEksManifestInput({ image, bucket, queueUrl, region }));
 * manifests.web.spec?.replicas; // 2
 * ```
 */
export function buildManifests(input: EksManifestInput): EksManifests {
  const { namespace } = input;
  const meta = (name: string, component?: 'web' | 'worker') => ({
    name,
    namespace,
    labels: component ? labels(component) : { 'app.kubernetes.io/name': APP },
  });
  const ingressClassName = APP;

  return {
    namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(APP) },
    ingressClassParams: {
      apiVersion: INGRESS_CLASS_PARAMS_API_VERSION,
      kind: 'IngressClassParams',
      metadata: { name: ingressClassName },
      spec: {
        scheme: 'internet-facing',
        // Only this namespace's Ingresses may open this public load balancer.
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
        ...(input.certificateArns.length > 0 ? { certificateARNs: input.certificateArns } : {}),
      },
    },
    ingressClass: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      // No annotations: Auto Mode does not read them on an IngressClass (auto-configure-alb).
      metadata: { name: ingressClassName },
      spec: {
        controller: 'eks.amazonaws.com/alb',
        parameters: {
          apiGroup: 'eks.amazonaws.com',
          kind: 'IngressClassParams',
          name: ingressClassName,
        },
      },
    },
    web: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('web', 'web'),
      spec: {
        // The HPA's minimum. Re-applying this file resets the count to it until the HPA acts
        // again (Kubernetes docs advise leaving replicas out when an HPA owns it; kept so a
        // first apply starts two pods, one per zone, at once).
        replicas: input.replicas,
        selector: { matchLabels: labels('web') },
        // A new pod is ready before an old one goes: capacity never drops in a rollout.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: { metadata: { labels: labels('web') }, spec: podSpec(input, 'web') },
      },
    },
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('web', 'web'),
      spec: {
        type: 'ClusterIP',
        selector: labels('web'),
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      },
    },
    ingress: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        ...meta('web', 'web'),
        // Ingress annotations of the AWS Load Balancer Controller that Auto Mode reads (its
        // example uses target-type; the unsupported ones are listed in auto-configure-alb).
        annotations: {
          // Pod IPs as targets: the ALB health-checks the pods themselves, no NodePort hop.
          'alb.ingress.kubernetes.io/target-type': 'ip',
          'alb.ingress.kubernetes.io/healthcheck-path': HEALTH_PATH,
          // The ALB keeps a leaving pod's open requests for as long as the server would.
          'alb.ingress.kubernetes.io/target-group-attributes': `deregistration_delay.timeout_seconds=${input.stopTimeoutSeconds}`,
          ...(input.certificateArns.length > 0
            ? { 'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]' }
            : {}),
        },
      },
      spec: {
        ingressClassName,
        rules: [
          {
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'web', port: { name: 'http' } } },
                },
              ],
            },
          },
        ],
      },
    },
    disruptionBudget: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta('web', 'web'),
      // Node consolidation and upgrades take one web pod at a time.
      spec: { maxUnavailable: 1, selector: { matchLabels: labels('web') } },
    },
    webAutoscaler: {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta('web', 'web'),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: input.replicas,
        maxReplicas: input.maxReplicas,
        metrics: [
          {
            type: 'Resource',
            resource: {
              name: 'cpu',
              target: { type: 'Utilization', averageUtilization: input.cpuTargetPercent },
            },
          },
        ],
      },
    },
    worker: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('worker', 'worker'),
      spec: {
        // No replicas: KEDA owns the count (from zero), and an apply must not reset it.
        selector: { matchLabels: labels('worker') },
        template: { metadata: { labels: labels('worker') }, spec: podSpec(input, 'worker') },
      },
    },
    triggerAuthentication: {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'TriggerAuthentication',
      metadata: meta('sqs'),
      // KEDA's `aws` provider, identity owner `keda` (its default): the KEDA operator reads
      // the queue's depth with its own credentials, which an EKS Pod Identity association on
      // keda/keda-operator gives it (sqs:GetQueueAttributes on this queue). `workload` would
      // look for an IRSA annotation, which Pod Identity does not use (KEDA 2.21,
      // authentication-providers/aws, read 2026-12).
      spec: { podIdentity: { provider: 'aws' } },
    },
    workerScaler: {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: meta('worker', 'worker'),
      spec: {
        scaleTargetRef: { name: 'worker' },
        minReplicaCount: input.workerMinReplicas,
        maxReplicaCount: input.workerMaxReplicas,
        triggers: [
          {
            type: 'aws-sqs-queue',
            authenticationRef: { name: 'sqs' },
            // Visible plus in-flight messages per pod (scaleOnInFlight defaults to true).
            metadata: {
              queueURL: input.queueUrl,
              queueLength: String(input.messagesPerWorker),
              awsRegion: input.region,
            },
          },
        ],
      },
    },
  };
}
