/**
 * npm run remove (lambda-zip), destroy:lambda-image, destroy:fargate, destroy:eks,
 * destroy:managed-instances: for eks first deletes the Kubernetes objects that own AWS resources
 * (the Ingress's ALB, the NodePool's nodes) and waits for them, then empties the variant's bucket
 * (its stack's `BucketName` output), then deletes the stack unattended (`serverless remove`, `cdk
 * destroy --force`), in the same region rule as deploy. When the bucket cannot be emptied it stops
 * and prints the exact command that would. `--dry-run` prints the steps.
 */
import path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { describeRegion, resolveRegion } from '../loadtest/aws/region';
import { BUCKET_OUTPUT_KEY, lookUpStack } from '../loadtest/aws/stacks';
import { runCommand } from './lib/cli-exit';
import { parseDeployArgs } from './lib/deploy-args';
import { destroyPlan, shown, stackOf, teardownPlan } from './lib/deploy-plan';
import { outputsOf } from './lib/eks-steps';
import { emptyBucket } from './lib/empty-bucket';
import { outputMap, runStep } from './lib/run-step';

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
    const outputs = lookup.kind === 'found' ? outputMap(lookup.stack.Outputs) : {};
    const bucket = outputs[BUCKET_OUTPUT_KEY];
    if (lookup.kind === 'unusable') console.error(`destroy: ${lookup.reason}; deleting it anyway`);
    const options = { stage: args.stage, region: region.region, extra: args.extra };
    for (const step of teardownPlan(args.variant, options)) {
      console.error(`destroy: ${shown(step)}`);
      if (args.dryRun) continue;
      const missing = outputsOf(step).filter((key) => outputs[key] === undefined);
      if (missing.length > 0) {
        // A stack that never finished has no outputs; EKS still deletes an Auto Mode cluster's
        // nodes and load balancers with it (EKS User Guide, "Delete a cluster").
        console.error(`destroy: skipped, the stack has no ${missing.join(', ')} output`);
        continue;
      }
      const { status, detail } = runStep(step, outputs, ROOT);
      if (status !== 0) {
        console.error(`destroy: ${shown(step)} failed (${detail}); nothing deleted after it`);
        return status;
      }
    }
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
    const { status, detail } = runStep(step, {}, ROOT);
    if (status !== 0) {
      console.error(`destroy: ${shown(step)} failed (${detail})`);
      return status;
    }
  }
  return 0;
}

runCommand(
  'destroy',
  'usage: npm run remove|destroy:lambda-image|destroy:fargate|destroy:eks|destroy:managed-instances -- [--stage s] [--region r] [--dry-run] [framework args]',
  main,
);
