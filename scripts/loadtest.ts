/**
 * npm run loadtest: the same scenarios against this machine's local cloud (default) or
 * deployed stacks (--target aws --stage <stage>); --help lists every flag. Writes
 * reports/<timestamp>/report.{json,md,html} and prints report.md and the folder. Bad flags
 * exit 2; a run that could not start, or in which a scenario failed on a variant (the report
 * is still written and says which), exits 1; Ctrl-C exits 130 after putting back what the run
 * changed on AWS (the fargate service's size, the Lambda marker variable).
 */

import { describeRegion, resolveRegion } from '../loadtest/aws/region';
import { awsTarget } from '../loadtest/aws-target';
import {
  allowedCpus,
  applyCpuSplit,
  type CpuSplit,
  planCpuSplit,
} from '../loadtest/node/cpu-split';
import { localTarget } from '../loadtest/node/local-target';
import { HELP, type LoadtestOptions, parseOptions, UsageError } from '../loadtest/node/options';
import { runLoadtest } from '../loadtest/node/runner';
import { Progress } from '../loadtest/progress';
import type { Target } from '../loadtest/target';

/** How long an interrupted run may take to put AWS back before it exits anyway. */
const RESTORE_GRACE_MS = 60_000;

async function main(): Promise<number> {
  let options: LoadtestOptions | undefined;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`loadtest: ${err.message}\nnpm run loadtest -- --help lists the flags`);
      return 2;
    }
    throw err;
  }
  if (options === undefined) {
    console.log(HELP);
    return 0;
  }
  const notes: string[] = [];
  const note = (line: string) => {
    notes.push(line);
    console.error(`loadtest: ${line}`);
  };
  let target: Target;
  let cpuSplit: CpuSplit;
  if (options.target === 'aws') {
    // The functions run on AWS: nothing here competes with them but the network.
    cpuSplit = planCpuSplit(allowedCpus() ?? [0], false);
    const region = await resolveRegion(options.region);
    console.error(`loadtest: stage ${options.stage}, ${describeRegion(region)}`);
    target = await awsTarget({
      stage: options.stage,
      region: region.region,
      variants: options.variants,
      stateDir: options.awsStateDir,
      note,
    });
  } else {
    // Before the local cloud starts, so it and every environment inherit the cloud's CPUs.
    cpuSplit = applyCpuSplit(planCpuSplit(allowedCpus() ?? [0], options.pin));
    console.error(`loadtest: CPUs: ${cpuSplit.note}`);
    target = await localTarget({
      variants: options.variants,
      stateDir: options.stateDir,
      idleTimeoutMs: options.idleTimeoutS * 1000,
      note,
    });
  }
  let stopping = false;
  const stop = () => {
    if (stopping) {
      console.error(
        'loadtest: stopped without finishing the restore; a fargate service left scaled down is restored by the next run',
      );
      process.exit(130);
    }
    stopping = true;
    console.error(
      'loadtest: interrupted; putting back what the run changed (Ctrl-C again to leave now)',
    );
    setTimeout(() => process.exit(130), RESTORE_GRACE_MS).unref();
    target.close().finally(() => process.exit(130));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const { dir, markdown, failures } = await runLoadtest(options, target, {
      notes,
      progress: new Progress(process.stderr),
      cpuSplit,
      onFailure: (line) => console.error(`loadtest: ${line}`),
    });
    console.log(markdown);
    console.log(`report: ${dir}`);
    if (failures.length > 0) {
      console.error(`loadtest: ${failures.length} scenario(s) failed; the report lists them`);
      return 1;
    }
  } finally {
    await target.close();
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`loadtest: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  },
);
