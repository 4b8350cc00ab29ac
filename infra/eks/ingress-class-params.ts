/**
 * EKS Auto Mode's IngressClassParams (`eks.amazonaws.com/v1`): the load balancer settings an
 * IngressClass with controller `eks.amazonaws.com/alb` points at. Auto Mode's own CRD, so
 * kubernetes-models has no schema for it: this file is its typed interface and a strict check
 * of its documented fields.
 *
 * Source: Amazon EKS User Guide, "Create an IngressClass to configure an Application Load
 * Balancer", IngressClassParams reference and considerations,
 * https://docs.aws.amazon.com/eks/latest/userguide/auto-configure-alb.html (read 2026-12):
 * `scheme`, `namespaceSelector`, `ipAddressType`, `subnets.ids`, `certificateARNs` (a list,
 * where the open-source controller had one `certificateArn`); `group.name` and listener
 * attributes are not supported, nor are annotations on the IngressClass. `subnets.matchTags`,
 * `tags` and `loadBalancerAttributes` are documented by name or example value only, so they
 * are left out rather than guessed.
 */
import type { ILabelSelector } from './kubernetes-types';

export const INGRESS_CLASS_PARAMS_API_VERSION = 'eks.amazonaws.com/v1';

export interface IngressClassParamsSpec {
  readonly scheme?: 'internet-facing' | 'internal';
  /** Which namespaces' Ingresses may use the class. */
  readonly namespaceSelector?: ILabelSelector;
  readonly ipAddressType?: 'ipv4' | 'dualstack';
  /** Subnet IDs; `matchTags` exists too, but its shape is not documented, so not typed here. */
  readonly subnets?: { readonly ids?: readonly string[] };
  readonly certificateARNs?: readonly string[];
}

export interface IngressClassParams {
  readonly apiVersion: typeof INGRESS_CLASS_PARAMS_API_VERSION;
  readonly kind: 'IngressClassParams';
  /** Cluster-scoped, as the IngressClass that refers to it: a name and labels only. */
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec: IngressClassParamsSpec;
}

const SPEC_KEYS = ['scheme', 'namespaceSelector', 'ipAddressType', 'subnets', 'certificateARNs'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(value: Record<string, unknown>, known: readonly string[]): string[] {
  return Object.keys(value).filter((key) => !known.includes(key));
}

function stringList(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * The problems with `value` as an IngressClassParams, each naming its path; empty when valid.
 * Unknown keys are problems too: Auto Mode would ignore a misspelt field without a word.
 *
 * @example
 * ```ts
 * ingressClassParamsProblems({ apiVersion: 'eks.amazonaws.com/v1', kind: 'IngressClassParams',
 *   metadata: { name: 'alb' }, spec: { sheme: 'internal' } });
 * // ["spec.sheme is not a documented IngressClassParams field (scheme, namespaceSelector, ...)"]
 * ```
 */
export function ingressClassParamsProblems(value: unknown): string[] {
  if (!isRecord(value)) return ['IngressClassParams must be an object'];
  const problems: string[] = [];
  for (const key of unknownKeys(value, ['apiVersion', 'kind', 'metadata', 'spec'])) {
    problems.push(`${key} is not an IngressClassParams field`);
  }
  if (value.apiVersion !== INGRESS_CLASS_PARAMS_API_VERSION) {
    problems.push(`apiVersion must be ${INGRESS_CLASS_PARAMS_API_VERSION}`);
  }
  if (value.kind !== 'IngressClassParams') problems.push('kind must be IngressClassParams');
  const { metadata, spec } = value;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    problems.push('metadata.name is required');
  } else {
    for (const key of unknownKeys(metadata, ['name', 'labels'])) {
      problems.push(`metadata.${key}: a cluster-scoped IngressClassParams takes name and labels`);
    }
  }
  if (!isRecord(spec)) return [...problems, 'spec must be an object'];
  for (const key of unknownKeys(spec, SPEC_KEYS)) {
    problems.push(
      `spec.${key} is not a documented IngressClassParams field (${SPEC_KEYS.join(', ')})`,
    );
  }
  if (spec.scheme !== undefined && !['internet-facing', 'internal'].includes(String(spec.scheme))) {
    problems.push('spec.scheme must be internet-facing or internal');
  }
  if (
    spec.ipAddressType !== undefined &&
    !['ipv4', 'dualstack'].includes(String(spec.ipAddressType))
  ) {
    problems.push('spec.ipAddressType must be ipv4 or dualstack');
  }
  if (spec.certificateARNs !== undefined && !stringList(spec.certificateARNs)) {
    problems.push('spec.certificateARNs must be a list of ARNs');
  }
  if (spec.namespaceSelector !== undefined) {
    const selector = spec.namespaceSelector;
    if (!isRecord(selector)) problems.push('spec.namespaceSelector must be a label selector');
    else {
      for (const key of unknownKeys(selector, ['matchLabels', 'matchExpressions'])) {
        problems.push(`spec.namespaceSelector.${key} is not a label selector field`);
      }
    }
  }
  if (spec.subnets !== undefined) {
    const subnets = spec.subnets;
    if (!isRecord(subnets)) problems.push('spec.subnets must be an object');
    else {
      for (const key of unknownKeys(subnets, ['ids'])) {
        problems.push(`spec.subnets.${key} is not typed here (ids)`);
      }
      if (subnets.ids !== undefined && !stringList(subnets.ids)) {
        problems.push('spec.subnets.ids must be a list of subnet IDs');
      }
    }
  }
  return problems;
}
