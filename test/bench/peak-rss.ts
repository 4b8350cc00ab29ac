/** Runs one cartoonize in a fresh process and prints the process's peak RSS. */
import { readFileSync } from 'node:fs';
import { cartoonize, configureSharp } from '@cartoon-compute/core';

async function main() {
  configureSharp();
  const file = process.argv[2];
  if (!file) throw new Error('usage: peak-rss <image>');
  const bytes = readFileSync(file);
  const before = process.resourceUsage().maxRSS / 1024;
  const result = await cartoonize(bytes, { maxSide: 2048 });
  const peak = process.resourceUsage().maxRSS / 1024;
  console.log(
    `${peak.toFixed(0)} MB (${before.toFixed(0)} MB before the call; output ${result.width}x${result.height})`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
