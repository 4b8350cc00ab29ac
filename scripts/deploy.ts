/**
 * npm run deploy (lambda-zip), deploy:lambda-image, deploy:fargate: builds what the variant
 * needs and deploys it unattended (no prompt: `cdk deploy --require-approval never`), in the
 * region the load test uses too: `--region`, else AWS_REGION or the profile's, else
 * eu-west-1. `--dry-run` prints the commands instead. Exit 2 on bad arguments, else the
 * failing command's exit code.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describeRegion, resolveRegion } from '../loadtest/aws/region';
import { parseDeployArgs } from './lib/deploy-args';
import { deployPlan, shown, stackOf } from './lib/deploy-plan';
import { UsageError } from './lib/flags';

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
  for (const step of plan) {
    console.error(`deploy: ${shown(step)}`);
    if (args.dryRun) continue;
    const run = spawnSync(step.command, step.args, {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, ...step.env },
    });
    if (run.status !== 0) {
      console.error(
        `deploy: ${shown(step)} failed (${run.status ?? run.signal ?? run.error?.message})`,
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
        `deploy: ${err.message}\nusage: npm run deploy[:lambda-image|:fargate] -- [--stage s] [--region r] [--dry-run] [framework args]`,
      );
      process.exitCode = 2;
      return;
    }
    console.error(`deploy: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
