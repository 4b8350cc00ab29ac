/**
 * npm run deploy (lambda-zip), deploy:lambda-image, deploy:fargate, deploy:eks,
 * deploy:managed-instances: builds what the variant needs and deploys it unattended (no prompt:
 * `cdk deploy --require-approval never`), in the region the load test uses too: `--region`, else
 * AWS_REGION or the profile's, else eu-west-1. eks then applies its Kubernetes objects with
 * kubectl, from the deployed stack's outputs (read once the stack is there). `--dry-run` prints
 * the commands instead. Exit 2 on bad arguments, else the failing command's exit code.
 */
import path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { describeRegion, resolveRegion } from '../loadtest/aws/region';
import { lookUpStack } from '../loadtest/aws/stacks';
import { runCommand } from './lib/cli-exit';
import { parseDeployArgs } from './lib/deploy-args';
import { deployPlan, shown, stackOf } from './lib/deploy-plan';
import { outputsOf } from './lib/eks-steps';
import { outputMap, runStep } from './lib/run-step';

const ROOT = path.resolve(__dirname, '..');

async function main(): Promise<number> {
  const args = parseDeployArgs(process.argv.slice(2));
  const region = await resolveRegion(args.region);
  const plan = deployPlan(args.variant, {
    stage: args.stage,
    region: region.region,
    extra: args.extra,
  });
  console.error(
    `deploy: ${args.variant} as stack ${stackOf(args.variant, args.stage)}, ${describeRegion(region)}`,
  );
  const stackName = stackOf(args.variant, args.stage);
  let outputs: Record<string, string> | undefined;
  for (const step of plan) {
    console.error(`deploy: ${shown(step)}`);
    if (args.dryRun) continue;
    // Read after the stack is deployed, once: the steps that need outputs come after it.
    if (outputs === undefined && outputsOf(step).length > 0) {
      outputs = await deployedOutputs(stackName, region.region);
    }
    const { status, detail } = runStep(step, outputs ?? {}, ROOT);
    if (status !== 0) {
      console.error(`deploy: ${shown(step)} failed (${detail})`);
      return status;
    }
  }
  return 0;
}

async function deployedOutputs(stackName: string, region: string): Promise<Record<string, string>> {
  const cloudformation = new CloudFormationClient({ region });
  try {
    const lookup = await lookUpStack({ cloudformation }, stackName);
    if (lookup.kind !== 'found') throw new Error(`${lookup.reason}: its outputs are needed next`);
    return outputMap(lookup.stack.Outputs);
  } finally {
    cloudformation.destroy();
  }
}

runCommand(
  'deploy',
  'usage: npm run deploy[:lambda-image|:fargate|:eks|:managed-instances] -- [--stage s] [--region r] [--dry-run] [framework args]',
  main,
);
