/**
 * The kubectl side of deploying and destroying the eks variant, as planned commands: what the
 * CDK stack cannot hold without a kubectl provider Lambda. After `cdk deploy`: a kubeconfig
 * entry for the cluster (its own context name, so no command acts on another cluster), the
 * Graviton NodePool, KEDA, then the manifests built from the stack's outputs. Before `cdk
 * destroy`: the manifests are deleted and waited for, so the ALB that the Ingress made is gone
 * before CloudFormation deletes the VPC, then the NodePool, so its nodes go too.
 *
 * KEDA is installed from its release YAML rather than Helm: kubectl is needed anyway, Helm
 * would be one more tool to install. Version 2.21.0, tested with Kubernetes 1.34 to 1.36;
 * `--server-side` because the CRDs are too large for a client-side apply's annotation (KEDA
 * docs, "Deploying KEDA", YAML section, https://keda.sh/docs/2.21/deploy/, read 2026-12).
 * Its operator runs as `keda/keda-operator`, the service account the stack's Pod Identity
 * association names.
 */
import { toYaml } from '../../infra/eks/emit';
import { GRAVITON_NODE_POOL, gravitonNodePool } from '../../infra/lib/eks-node-pool';
import { APP_SERVICE_ACCOUNT } from '../../infra/lib/eks-service-accounts';
import type { EksSettings } from '../../infra/lib/settings';

export const KEDA_VERSION = '2.21.0';
export const KEDA_RELEASE_YAML = `https://github.com/kedacore/keda/releases/download/v${KEDA_VERSION}/keda-${KEDA_VERSION}.yaml`;
/** Where `npm run eks:manifests` writes by default, and what is applied from. */
export const MANIFEST_DIR = 'build/eks/';

/** A value the stack's outputs give once it is deployed (`{ output: 'ClusterName' }`). */
export interface StackOutputArg {
  readonly output: string;
}
export type PlanArg = string | StackOutputArg;

export interface PlannedCommand {
  readonly command: string;
  readonly args: readonly PlanArg[];
  /** Variables added to the environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Written to the command's standard input (`kubectl apply -f -`). */
  readonly stdin?: string;
}

export interface EksStepOptions {
  readonly stage: string;
  readonly region: string;
}

const output = (name: string): StackOutputArg => ({ output: name });

/** The kubeconfig context the scripts create and use: one per stage. */
export function kubeContext(stage: string): string {
  return `cartoon-compute-${stage}-eks`;
}

function kubectl(stage: string, ...args: string[]): PlannedCommand {
  return { command: 'kubectl', args: ['--context', kubeContext(stage), ...args], env: {} };
}

function kubeconfig(options: EksStepOptions): PlannedCommand {
  return {
    command: 'aws',
    args: [
      'eks',
      'update-kubeconfig',
      '--name',
      output('ClusterName'),
      '--region',
      options.region,
      '--alias',
      kubeContext(options.stage),
    ],
    env: {},
  };
}

/** The manifests from the deployed stack's image, bucket and queue. */
function emitManifests(options: EksStepOptions): PlannedCommand {
  return {
    command: 'npm',
    args: [
      'run',
      'eks:manifests',
      '--',
      '--image',
      output('ImageUri'),
      '--bucket',
      output('BucketName'),
      '--queue-url',
      output('QueueUrl'),
      '--region',
      options.region,
    ],
    env: {},
  };
}

/**
 * What runs after `cdk deploy` of the eks stack.
 *
 * @example
 * ```ts
 * eksDeploySteps({ stage: 'dev', region: 'eu-west-1' }, settings).map(shown);
 * // ['aws eks update-kubeconfig --name <ClusterName> ...', 'kubectl --context cartoon-compute-dev-eks apply -f -', ...]
 * ```
 */
export function eksDeploySteps(
  options: EksStepOptions,
  settings: Pick<EksSettings, 'eksNodeCpuLimit'>,
): PlannedCommand[] {
  const { stage } = options;
  return [
    kubeconfig(options),
    // First: KEDA's pods and the app's need nodes, and the app's only fit this pool.
    {
      ...kubectl(stage, 'apply', '-f', '-'),
      stdin: toYaml(gravitonNodePool({ cpuLimit: settings.eksNodeCpuLimit })),
    },
    kubectl(stage, 'apply', '--server-side', '-f', KEDA_RELEASE_YAML),
    // The ScaledObject is checked by KEDA's admission webhook: it must answer first.
    kubectl(
      stage,
      '-n',
      'keda',
      'wait',
      '--for=condition=Available',
      'deployment',
      '--all',
      '--timeout=10m',
    ),
    emitManifests(options),
    kubectl(stage, 'apply', '-f', MANIFEST_DIR),
    // The ALB takes a few minutes; its hostname appears in ADDRESS once it is there.
    kubectl(stage, '-n', APP_SERVICE_ACCOUNT.namespace, 'get', 'ingress', 'web'),
  ];
}

/**
 * What runs before the eks stack's bucket is emptied and `cdk destroy`: the manifests
 * (rebuilt from the outputs, so this works from any checkout) deleted and waited for, the
 * Ingress's ALB with them, then the Graviton pool and its nodes.
 *
 * @example
 * ```ts
 * eksTeardownSteps({ stage: 'dev', region: 'eu-west-1' }).at(-1);
 * // kubectl --context cartoon-compute-dev-eks delete nodepool graviton --ignore-not-found --wait=true --timeout=10m
 * ```
 */
export function eksTeardownSteps(options: EksStepOptions): PlannedCommand[] {
  const { stage } = options;
  const waiting = ['--ignore-not-found', '--wait=true', '--timeout=10m'];
  return [
    kubeconfig(options),
    emitManifests(options),
    kubectl(stage, 'delete', '-f', MANIFEST_DIR, ...waiting),
    kubectl(stage, 'delete', 'nodepool', GRAVITON_NODE_POOL, ...waiting),
  ];
}

/** The stack outputs a command needs. */
export function outputsOf(step: PlannedCommand): string[] {
  return step.args.flatMap((arg) => (typeof arg === 'string' ? [] : [arg.output]));
}

/**
 * The command with the stack's outputs filled in.
 *
 * @example
 * ```ts
 * resolveArgs(step, { ClusterName: 'cartoon-compute-dev-eks' }); // ['eks', 'update-kubeconfig', '--name', 'cartoon-compute-dev-eks', ...]
 * ```
 * @throws when the stack has no such output, naming it.
 */
export function resolveArgs(
  step: PlannedCommand,
  outputs: Readonly<Record<string, string>>,
): string[] {
  return step.args.map((arg) => {
    if (typeof arg === 'string') return arg;
    const value = outputs[arg.output];
    if (value === undefined || value === '') {
      throw new Error(`the stack has no output ${arg.output}, which \`${step.command}\` needs`);
    }
    return value;
  });
}
