/**
 * `npm run test:update-golden`: rewrites the golden images after a deliberate change of the
 * look. Look at them (and at `npm run demo`'s contact sheets) before committing.
 */
import { writeFile } from 'node:fs/promises';
import { cartoonize } from '@cartoon-compute/core';
import { photo } from '../test/support/fixtures';
import { GOLDEN_CASES, GOLDEN_OPTIONS, goldenPath } from '../test/support/golden';

async function main() {
  for (const { photo: name, style } of GOLDEN_CASES) {
    const { data } = await cartoonize(photo(name), { ...GOLDEN_OPTIONS, style });
    await writeFile(goldenPath(name, style), data);
    console.log(goldenPath(name, style));
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
