/**
 * The eks variant's Graviton node pool: a Karpenter `NodePool` on Auto Mode's `default`
 * NodeClass that launches arm64 instances only. The pods select `kubernetes.io/arch: arm64`
 * (infra/eks/manifests.ts), and Auto Mode's built-in `general-purpose` pool is amd64 only
 * (`system` takes both but carries a `CriticalAddonsOnly` taint), so without this pool they
 * would stay Pending. aws-eks-v2 enables or disables the built-in pools only; a custom one is
 * a Kubernetes object, applied by `npm run deploy:eks` with kubectl (no kubectl provider
 * Lambda in the stack).
 *
 * Sources (read 2026-12): Amazon EKS User Guide, "Create a Node Pool for EKS Auto Mode"
 * (https://docs.aws.amazon.com/eks/latest/userguide/create-node-pool.html: its sample and the
 * supported `eks.amazonaws.com/*` labels) and "Enable or Disable Built-in NodePools"
 * (https://docs.aws.amazon.com/eks/latest/userguide/set-builtin-node-pools.html: at least one
 * built-in pool must stay enabled for EKS to provide the `default` NodeClass).
 */

export const NODE_POOL_API_VERSION = 'karpenter.sh/v1';
export const GRAVITON_NODE_POOL = 'graviton';

/** One scheduling requirement, as a Kubernetes node selector requirement. */
export interface NodeRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  readonly values?: readonly string[];
}

/** The fields of Karpenter's NodePool this variant sets (kubernetes-models has no schema). */
export interface NodePool {
  readonly apiVersion: typeof NODE_POOL_API_VERSION;
  readonly kind: 'NodePool';
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec: {
    /** Higher wins when a pod fits more than one pool; the built-in pools have none (0). */
    readonly weight?: number;
    readonly template: {
      readonly spec: {
        readonly nodeClassRef: {
          readonly group: 'eks.amazonaws.com';
          readonly kind: 'NodeClass';
          readonly name: string;
        };
        readonly requirements: readonly NodeRequirement[];
      };
    };
    readonly limits: { readonly cpu: string };
    readonly disruption: {
      readonly consolidationPolicy: 'WhenEmpty' | 'WhenEmptyOrUnderutilized';
      readonly consolidateAfter: string;
    };
  };
}

/**
 * The arm64 pool: on-demand C, M and R instances of generation 6 or newer (Graviton2 and
 * later; the built-in pools take the same families), at most `cpuLimit` vCPUs in all.
 *
 * @example
 * ```ts
 * const pool = gravitonNodePool({ cpuLimit: 16 });
 * pool.spec.template.spec.requirements[0]; // { key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }
 * ```
 */
export function gravitonNodePool(options: { readonly cpuLimit: number }): NodePool {
  return {
    apiVersion: NODE_POOL_API_VERSION,
    kind: 'NodePool',
    metadata: { name: GRAVITON_NODE_POOL, labels: { 'app.kubernetes.io/name': 'cartoon-compute' } },
    spec: {
      // Pods that run on either architecture (KEDA, the metrics server) land on Graviton too,
      // rather than starting an amd64 node in the general-purpose pool.
      weight: 50,
      template: {
        spec: {
          nodeClassRef: { group: 'eks.amazonaws.com', kind: 'NodeClass', name: 'default' },
          requirements: [
            { key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
            { key: 'eks.amazonaws.com/instance-category', operator: 'In', values: ['c', 'm', 'r'] },
            { key: 'eks.amazonaws.com/instance-generation', operator: 'Gt', values: ['5'] },
          ],
        },
      },
      limits: { cpu: String(options.cpuLimit) },
      // An emptied or underused node goes after a minute, so a load test's scale-out does not
      // keep billing; the web pods' disruption budget bounds how many leave at once.
      disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '1m' },
    },
  };
}
