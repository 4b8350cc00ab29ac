/**
 * npm run loadtest: the same scenarios against this machine's local cloud (default) or
 * deployed stacks (--target aws --stage <stage>); --help lists every flag. Writes
 * reports/<timestamp>/report.{json,md,html} and prints report.md and the folder. Bad flags
 * exit 2; a failed run exits 1.
 */
import { awsTarget } from '../loadtest/aws-target';
import { localTarget } from '../loadtest/node/local-target';
import { HELP, type LoadtestOptions, parseOptions, UsageError } from '../loadtest/node/options';
import { runLoadtest } from '../loadtest/node/runner';
import { Progress } from '../loadtest/progress';
import type { Target } from '../loadtest/target';

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
  const target: Target =
    options.target === 'aws'
      ? await awsTarget({
          stage: options.stage,
          region: options.region,
          variants: options.variants,
          note,
        })
      : await localTarget({
          variants: options.variants,
          stateDir: options.stateDir,
          idleTimeoutMs: options.idleTimeoutS * 1000,
          note,
        });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(130), 5_000).unref();
    target.close().finally(() => process.exit(130));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const { dir, markdown } = await runLoadtest(options, target, {
      notes,
      progress: new Progress(process.stderr),
    });
    console.log(markdown);
    console.log(`report: ${dir}`);
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
