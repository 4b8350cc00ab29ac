/**
 * The commands `npm run deploy*` and `npm run remove` / `destroy:*` run, as data: the build
 * steps, then the framework's own command with everything it needs to run unattended, in the
 * one region the load test also uses (loadtest/aws/region.ts).
 *
 * - `cdk deploy` asks for approval of IAM and security-group changes and, without a terminal,
 *   fails; `--require-approval never` deploys them (AWS CDK CLI reference, "cdk deploy",
 *   https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-deploy.html, read 2026-12).
 *   `cdk destroy` asks "Are you sure"; `--force` skips it (ref-cli-cmd-destroy.html, same date).
 * - The CDK stacks are environment-agnostic: the CLI takes the region from the SDK's chain, so
 *   `AWS_REGION` is set to the region chosen here. serverless takes `--region`.
 */

import type { ContextReader, EksSettings } from '../../infra/lib/settings';
import { readEksSettings } from '../../infra/lib/settings';
import { stackNames } from '../../loadtest/aws/stacks';
import { VARIANT_NAMES, type VariantName } from '../../local-cloud/variants';
import { eksDeploySteps, eksTeardownSteps, type PlannedCommand } from './eks-steps';
import { UsageError } from './flags';

export type { PlannedCommand } from './eks-steps';

/**
 * What can be deployed: the variants `npm start` runs, eks (AWS only, for now) and
 * managed-instances (the lambda-zip functions on Lambda Managed Instances, a CDK stack).
 */
export type DeployVariant = VariantName | 'eks' | 'managed-instances';
export const DEPLOY_VARIANTS: readonly DeployVariant[] = [
  ...new Set<DeployVariant>([...VARIANT_NAMES, 'eks', 'managed-instances']),
];

export interface PlanOptions {
  readonly stage: string;
  readonly region: string;
  /** Arguments for the framework itself (`-c spot=true`, `--param=...`). */
  readonly extra: readonly string[];
}

/** The CDK app's stack id of each container variant (infra/lib/app.ts). */
const CDK_STACK_IDS: Partial<Record<DeployVariant, string>> = {
  'lambda-image': 'LambdaImage',
  fargate: 'Fargate',
  eks: 'Eks',
  // Its function bundles and layer come staged in the lambda-image build context.
  'managed-instances': 'ManagedInstances',
};

/** The stack a variant deploys as, as the load test looks it up. */
export function stackOf(variant: DeployVariant, stage: string): string {
  // infra/lib/app.ts names every CDK stack so; loadtest/aws/stacks.ts may not list eks yet.
  return stackNames(stage)[variant] ?? `cartoon-compute-${stage}-${variant}`;
}

/** The `-c key=value` / `--context key=value` pairs of the framework arguments. */
function contextOf(extra: readonly string[], stage: string): ContextReader {
  const values: Record<string, string> = { stage };
  for (let i = 0; i < extra.length; i++) {
    const arg = extra[i] ?? '';
    const pair =
      arg === '-c' || arg === '--context' ? extra[++i] : /^--context=(.*)$/s.exec(arg)?.[1];
    const [key, ...value] = (pair ?? '').split('=');
    if (key !== undefined && key !== '' && value.length > 0) values[key] = value.join('=');
  }
  return (key) => values[key];
}

/**
 * The eks settings the deploy needs, from the framework arguments: kubectl runs on this
 * machine, so the API endpoint must admit it, and it must be a cluster admin.
 */
function eksDeploySettings(options: PlanOptions): EksSettings {
  const settings = readEksSettings(contextOf(options.extra, options.stage));
  const missing = [
    ...(settings.eksApiCidrs.length === 0
      ? [
          "-c eksApiCidrs=<this machine's public IP>/32 (the API endpoint is private otherwise; " +
            '`curl https://checkip.amazonaws.com` tells the IP)',
        ]
      : []),
    ...(settings.eksAdminArn === undefined
      ? [
          '-c eksAdminArn=arn:aws:iam::<account>:role/<your role> (`aws sts get-caller-identity` ' +
            "names it; for an assumed role give the role's ARN)",
        ]
      : []),
  ];
  if (missing.length > 0) {
    throw new UsageError(
      `deploy eks applies the manifests with kubectl from this machine; give ${missing.join(' and ')}`,
    );
  }
  return settings;
}

function refuseStageInExtra(extra: readonly string[]): void {
  if (extra.some((a) => /(^|=)stage=/.test(a) || a === '--stage')) {
    throw new UsageError('give the stage as --stage <stage>, not to the framework');
  }
}

const npm = (script: string): PlannedCommand => ({
  command: 'npm',
  args: ['run', script],
  env: {},
});

/**
 * The commands that deploy a variant.
 *
 * @example
 * ```ts
 * deployPlan('fargate', { stage: 'dev', region: 'eu-west-1', extra: ['-c', 'spot=true'] }).at(-1);
 * // { command: 'cdk', args: ['deploy', 'Fargate', '--require-approval', 'never', '-c', 'stage=dev', '-c', 'spot=true'], env: { AWS_REGION: 'eu-west-1' } }
 * ```
 */
export function deployPlan(variant: DeployVariant, options: PlanOptions): PlannedCommand[] {
  refuseStageInExtra(options.extra);
  const settings = variant === 'eks' ? eksDeploySettings(options) : undefined;
  const id = CDK_STACK_IDS[variant];
  if (id === undefined) {
    return [
      npm('build:layer'),
      npm('build:functions'),
      {
        command: 'serverless',
        args: ['deploy', '--stage', options.stage, '--region', options.region, ...options.extra],
        env: {},
      },
    ];
  }
  return [
    npm('build:containers'),
    {
      command: 'cdk',
      args: [
        'deploy',
        id,
        '--require-approval',
        'never',
        '-c',
        `stage=${options.stage}`,
        ...options.extra,
      ],
      env: { AWS_REGION: options.region },
    },
    ...(settings === undefined ? [] : eksDeploySteps(options, settings)),
  ];
}

/**
 * The commands that run before a variant's bucket is emptied and its stack deleted: for eks,
 * the Kubernetes objects that own AWS resources (the Ingress's ALB, the NodePool's nodes).
 *
 * @example
 * ```ts
 * teardownPlan('fargate', { stage: 'dev', region: 'eu-west-1', extra: [] }); // []
 * ```
 */
export function teardownPlan(variant: DeployVariant, options: PlanOptions): PlannedCommand[] {
  refuseStageInExtra(options.extra);
  return variant === 'eks' ? eksTeardownSteps(options) : [];
}

/**
 * The commands that delete a variant's stack (its bucket is emptied before, by destroy.ts).
 *
 * @example
 * ```ts
 * destroyPlan('lambda-zip', { stage: 'dev', region: 'eu-west-1', extra: [] });
 * // [{ command: 'serverless', args: ['remove', '--stage', 'dev', '--region', 'eu-west-1'], env: {} }]
 * ```
 */
export function destroyPlan(variant: DeployVariant, options: PlanOptions): PlannedCommand[] {
  refuseStageInExtra(options.extra);
  const id = CDK_STACK_IDS[variant];
  if (id === undefined) {
    return [
      {
        command: 'serverless',
        args: ['remove', '--stage', options.stage, '--region', options.region, ...options.extra],
        env: {},
      },
    ];
  }
  return [
    // The app synthesizes before destroying, and needs the staged image contexts for that.
    npm('build:containers'),
    {
      command: 'cdk',
      args: ['destroy', id, '--force', '-c', `stage=${options.stage}`, ...options.extra],
      env: { AWS_REGION: options.region },
    },
  ];
}

/**
 * A command as a user would type it, for printing; a stack output it needs shows as
 * `<OutputName>`, its standard input as a here-document.
 */
export function shown(c: PlannedCommand): string {
  const env = Object.entries(c.env).map(([k, v]) => `${k}=${v} `);
  const args = c.args.map((arg) => (typeof arg === 'string' ? arg : `<${arg.output}>`));
  const stdin = c.stdin === undefined ? '' : ` <<EOF\n${c.stdin}EOF`;
  return `${env.join('')}${c.command} ${args.join(' ')}${stdin}`;
}
