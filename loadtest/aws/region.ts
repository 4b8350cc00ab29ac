/**
 * The one region rule of the AWS path, shared by the load test and the deploy scripts: the
 * `--region` flag; else the SDK's default chain (`AWS_REGION`, then the `region` of the profile
 * in `~/.aws/config`, as every AWS SDK and the CLI read it); else `DEFAULT_REGION`, which is
 * also serverless.yml's `provider.region` default, so a bare `serverless deploy` lands there too.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';

/**
 * Where everything goes when nothing else names a region. eu-west-1 because serverless.yml
 * already defaulted to it and the README's lambda-zip commands name it: one default, the one
 * that was already deployed to, rather than a second one.
 */
export const DEFAULT_REGION = 'eu-west-1';

export type RegionSource = 'flag' | 'sdk' | 'default';

export interface ResolvedRegion {
  readonly region: string;
  /** Where it came from, printed so a user sees why a stack was looked for there. */
  readonly source: RegionSource;
}

/**
 * The region from the flag, else the SDK's default chain, else `DEFAULT_REGION`. The chain is
 * read by asking a client without a region for its region, so it is exactly what the SDK would
 * use (environment and profile, including `AWS_PROFILE` and `AWS_CONFIG_FILE`).
 *
 * @example
 * ```ts
 * await resolveRegion(undefined); // { region: 'eu-west-1', source: 'default' } with no AWS_REGION or profile region
 * await resolveRegion('us-east-1'); // { region: 'us-east-1', source: 'flag' }
 * ```
 */
export async function resolveRegion(flag: string | undefined): Promise<ResolvedRegion> {
  if (flag !== undefined && flag !== '') return { region: flag, source: 'flag' };
  const client = new CloudFormationClient({});
  try {
    const region = await client.config.region();
    if (region) return { region, source: 'sdk' };
  } catch {
    // "Region is missing": no environment variable and no profile region.
  } finally {
    client.destroy();
  }
  return { region: DEFAULT_REGION, source: 'default' };
}

/**
 * How the region was chosen, for the first line a run prints.
 *
 * @example
 * ```ts
 * describeRegion({ region: 'eu-west-1', source: 'default' }); // 'region eu-west-1 (default: no --region, AWS_REGION or profile region)'
 * ```
 */
export function describeRegion({ region, source }: ResolvedRegion): string {
  const why =
    source === 'flag'
      ? '--region'
      : source === 'sdk'
        ? 'AWS_REGION or the profile'
        : 'default: no --region, AWS_REGION or profile region';
  return `region ${region} (${why})`;
}
