/**
 * npm run remove (lambda-zip), destroy:lambda-image, destroy:fargate: empties the variant's
 * bucket (its stack's `BucketName` output), then deletes the stack unattended (`serverless
 * remove`, `cdk destroy --force`), in the same region rule as deploy. When the bucket cannot
 * be emptied it stops and prints the exact command that would. `--dry-run` prints the steps.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { describeRegion, resolveRegion } from '../loadtest/aws/region';
import { BUCKET_OUTPUT_KEY, lookUpStack } from '../loadtest/aws/stacks';
import { parseDeployArgs } from './lib/deploy-args';
import { destroyPlan, shown, stackOf } from './lib/deploy-plan';
import { emptyBucket } from './lib/empty-bucket';
import { UsageError } from './lib/flags';

const ROOT = path.resolve(__dirname, '..');

async function main(): Promise<number> {
  const args = parseDeployArgs(process.argv.slice(2));
  const region = await resolveRegion(args.region);
  const stackName = stackOf(args.variant, args.stage);
  console.error(`destroy: ${args.variant}: stack ${stackName}, ${describeRegion(region)}`);
  const cloudformation = new CloudFormationClient({ region: region.region });
  const s3 = new S3Client({ region: region.region });
  try {
    const lookup = await lookUpStack({ cloudformation }, stackName);
    if (lookup.kind === 'missing') {
      console.error(`destroy: ${lookup.reason} in ${region.region}; nothing to delete`);
      return 0;
    }
    const bucket =
      lookup.kind === 'found'
        ? lookup.stack.Outputs?.find((o) => o.OutputKey === BUCKET_OUTPUT_KEY)?.OutputValue
        : undefined;
    if (lookup.kind === 'unusable') console.error(`destroy: ${lookup.reason}; deleting it anyway`);
    if (bucket !== undefined) {
      const empty = `aws s3 rm s3://${bucket} --recursive --region ${region.region}`;
      if (args.dryRun) console.error(`destroy: would empty s3://${bucket} (${empty})`);
      else {
        try {
          const n = await emptyBucket(s3, bucket);
          console.error(`destroy: emptied s3://${bucket} (${n} object(s))`);
        } catch (err) {
          console.error(
            `destroy: could not empty s3://${bucket}: ${err instanceof Error ? err.message : String(err)}\n` +
              `destroy: run \`${empty}\`, then this command again`,
          );
          return 1;
        }
      }
    }
  } finally {
    cloudformation.destroy();
    s3.destroy();
  }
  for (const step of destroyPlan(args.variant, {
    stage: args.stage,
    region: region.region,
    extra: args.extra,
  })) {
    console.error(`destroy: ${shown(step)}`);
    if (args.dryRun) continue;
    const run = spawnSync(step.command, step.args, {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, ...step.env },
    });
    if (run.status !== 0) {
      console.error(
        `destroy: ${shown(step)} failed (${run.status ?? run.signal ?? run.error?.message})`,
      );
      return run.status ?? 1;
    }
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(
        `destroy: ${err.message}\nusage: npm run remove|destroy:lambda-image|destroy:fargate -- [--stage s] [--region r] [--dry-run] [framework args]`,
      );
      process.exitCode = 2;
      return;
    }
    console.error(`destroy: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
