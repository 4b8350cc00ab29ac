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

import { stackNames } from '../../loadtest/aws/stacks';
import type { VariantName } from '../../local-cloud/variants';
import { UsageError } from './flags';

export interface PlannedCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** Variables added to the environment. */
  readonly env: Readonly<Record<string, string>>;
}

export interface PlanOptions {
  readonly stage: string;
  readonly region: string;
  /** Arguments for the framework itself (`-c spot=true`, `--param=...`). */
  readonly extra: readonly string[];
}

/** The CDK app's stack id of each container variant (infra/lib/app.ts). */
const CDK_STACK_IDS: Partial<Record<VariantName, string>> = {
  'lambda-image': 'LambdaImage',
  fargate: 'Fargate',
};

/** The stack a variant deploys as, as the load test looks it up. */
export function stackOf(variant: VariantName, stage: string): string {
  return stackNames(stage)[variant] ?? '';
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
export function deployPlan(variant: VariantName, options: PlanOptions): PlannedCommand[] {
  refuseStageInExtra(options.extra);
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
  ];
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
export function destroyPlan(variant: VariantName, options: PlanOptions): PlannedCommand[] {
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

/** A command as a user would type it, for printing. */
export function shown(c: PlannedCommand): string {
  const env = Object.entries(c.env).map(([k, v]) => `${k}=${v} `);
  return `${env.join('')}${c.command} ${c.args.join(' ')}`;
}
