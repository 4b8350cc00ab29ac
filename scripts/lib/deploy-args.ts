/**
 * The arguments of scripts/deploy.ts and scripts/destroy.ts: the variant, then our own
 * `--stage`, `--region` and `--dry-run`; everything else goes to the framework untouched
 * (`-c spot=true` to cdk, `--param=...` to serverless).
 */
import { DEPLOY_VARIANTS, type DeployVariant } from './deploy-plan';
import { UsageError } from './flags';

export interface DeployArgs {
  readonly variant: DeployVariant;
  readonly stage: string;
  readonly region: string | undefined;
  readonly dryRun: boolean;
  readonly extra: string[];
}

/**
 * Reads `<variant> [--stage s] [--region r] [--dry-run] [framework args…]`.
 *
 * @example
 * ```ts
 * parseDeployArgs(['fargate', '--stage', 'prod', '-c', 'spot=true']);
 * // { variant: 'fargate', stage: 'prod', region: undefined, dryRun: false, extra: ['-c', 'spot=true'] }
 * ```
 * @throws {UsageError} on an unknown variant or a flag without its value.
 */
export function parseDeployArgs(argv: readonly string[]): DeployArgs {
  const [variant, ...rest] = argv;
  if (!DEPLOY_VARIANTS.includes(variant as DeployVariant)) {
    throw new UsageError(
      `the first argument must be one of ${DEPLOY_VARIANTS.join(', ')}; got "${variant ?? ''}"`,
    );
  }
  let stage = 'dev';
  let region: string | undefined;
  let dryRun = false;
  const extra: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    const [flag, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if (flag === '--stage' || flag === '--region') {
      const value = inline ?? rest[++i];
      if (value === undefined || value === '' || value.startsWith('-')) {
        throw new UsageError(`${flag} needs a value`);
      }
      if (flag === '--stage') {
        if (!/^[a-z][a-z0-9-]{0,9}$/.test(value)) {
          throw new UsageError(`--stage must be lower case, at most 10 characters; got "${value}"`);
        }
        stage = value;
      } else region = value;
    } else if (arg === '--dry-run') dryRun = true;
    else extra.push(arg);
  }
  return { variant: variant as DeployVariant, stage, region, dryRun, extra };
}
