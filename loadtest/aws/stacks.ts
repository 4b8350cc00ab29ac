/**
 * The deployed stacks as the load test reads them: the stack each variant deploys as, the
 * output keys that name its front door and bucket, and a stack's state, where only a stack
 * whose last operation succeeded is used. A missing stack and a failed one are told apart:
 * DescribeStacks answers `ValidationError` "Stack with id X does not exist" for the first
 * (CloudFormation API reference, DescribeStacks,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html,
 * read 2026-12); any other error (expired credentials, access denied) is not "no stack".
 */
import {
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
  type Output,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import type { VariantEndpoint } from '../target';
import type { AwsClients } from './clients';

/**
 * The stack each variant deploys as, per stage: serverless.yml's `service` and stage for
 * lambda-zip, infra/lib/app.ts's `stackName`s for the CDK stacks.
 *
 * @example
 * ```ts
 * stackNames('dev')['lambda-image']; // 'cartoon-compute-dev-lambda-image'
 * ```
 */
export function stackNames(stage: string): Record<string, string> {
  return {
    'lambda-zip': `cartoon-compute-${stage}`,
    'lambda-image': `cartoon-compute-${stage}-lambda-image`,
    fargate: `cartoon-compute-${stage}-fargate`,
    'managed-instances': `cartoon-compute-${stage}-managed-instances`,
  };
}

/**
 * The outputs read: the front door (`HttpApiUrl`, which serverless adds for an HTTP API, or
 * `ApiUrl` from infra/lib/service-storage.ts) and `BucketName` (both).
 */
export const URL_OUTPUT_KEYS = ['HttpApiUrl', 'ApiUrl'] as const;
export const BUCKET_OUTPUT_KEY = 'BucketName';

/**
 * A variant's endpoint from its stack's outputs.
 *
 * @example
 * ```ts
 * endpointFromOutputs('lambda-zip', [{ OutputKey: 'HttpApiUrl', OutputValue: 'https://x.execute-api…' }]);
 * ```
 */
export function endpointFromOutputs(variant: string, outputs: readonly Output[]): VariantEndpoint {
  const get = (key: string) => outputs.find((o) => o.OutputKey === key)?.OutputValue;
  const url = URL_OUTPUT_KEYS.map(get)
    .find((v) => v !== undefined)
    ?.replace(/\/$/, '');
  const bucket = get(BUCKET_OUTPUT_KEY);
  return {
    name: variant,
    ...(url ? { url } : {}),
    ...(bucket ? { bucket } : {}),
    lambda: variant !== 'fargate',
  };
}

/**
 * Stack states whose resources are those of a successful deployment: a finished create,
 * update or import, and an update rolled back to the previous, working template. Every other
 * state is in progress, failed, or deleted (CloudFormation "Stack status codes",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html#cfn-console-view-stack-data-resources-status-codes,
 * read 2026-12).
 */
export const USABLE_STACK_STATUSES: readonly string[] = [
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
];

/** What DescribeStacks said about one stack. */
export type StackLookup =
  | { readonly kind: 'found'; readonly stack: Stack; readonly note?: string }
  | { readonly kind: 'missing'; readonly reason: string }
  | { readonly kind: 'unusable'; readonly reason: string };

/** Why a stack in this state cannot be used, and what to do. */
function unusableReason(name: string, status: string, reason: string | undefined): string {
  const why = reason ? ` (${reason})` : '';
  if (status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED') {
    return `stack ${name} is ${status}${why}: its creation failed, so it has no working resources; delete it and deploy again`;
  }
  if (status.endsWith('_IN_PROGRESS')) {
    return `stack ${name} is ${status}: run again when the operation has finished`;
  }
  return `stack ${name} is ${status}${why}: not a successful deployment`;
}

/**
 * DescribeStacks of one stack, told apart: found (and usable), missing, or unusable (failed,
 * in progress). Errors other than "does not exist" are thrown: they are not a missing stack.
 *
 * @example
 * ```ts
 * const lookup = await lookUpStack(clients, 'cartoon-compute-dev');
 * if (lookup.kind === 'found') lookup.stack.Outputs;
 * ```
 */
export async function lookUpStack(
  clients: Pick<AwsClients, 'cloudformation'>,
  StackName: string,
): Promise<StackLookup> {
  let out: DescribeStacksCommandOutput;
  try {
    out = await clients.cloudformation.send(new DescribeStacksCommand({ StackName }));
  } catch (err) {
    const e = err as { name?: string; message?: string };
    if (e.name === 'ValidationError' && /does not exist/i.test(e.message ?? '')) {
      return { kind: 'missing', reason: `no stack ${StackName}` };
    }
    throw err;
  }
  const stack = out.Stacks?.[0];
  if (stack === undefined) return { kind: 'missing', reason: `no stack ${StackName}` };
  const status = String(stack.StackStatus ?? 'UNKNOWN');
  if (!USABLE_STACK_STATUSES.includes(status)) {
    return { kind: 'unusable', reason: unusableReason(StackName, status, stack.StackStatusReason) };
  }
  return status === 'UPDATE_ROLLBACK_COMPLETE'
    ? {
        kind: 'found',
        stack,
        note: `stack ${StackName} is UPDATE_ROLLBACK_COMPLETE: its last update failed, the previous deployment is measured`,
      }
    : { kind: 'found', stack };
}
