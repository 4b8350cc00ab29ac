// Faults, nothing lost: 30 small photos dropped into each variant's bucket with the real AWS
// CLI while Lambda execution environments and fargate tasks are killed with SIGKILL at random.
// Every upload must still end in exactly one terminal state, within a bounded wait: a cartoon,
// a failure record, or (after every retry failed, as on AWS) a message in lambda-zip's
// on-failure destination or a dead-letter queue. None may be left unprocessed.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import sharp from 'sharp';
import { PHOTO_NAMES, photo } from '../support/fixtures';
import {
  commandLine,
  descendants,
  E2E_CLOUD_FLAGS,
  functionOf,
  type RunningCloud,
  running,
  startCloudCli,
  VARIANTS,
} from '../support/local-cloud-cli';
import { sleep, waitFor } from '../support/poll';

const UPLOADS = 30;
const KILLS = 9;
/** Uploads go in this many waves, with a kill after each. */
const WAVES = 3;

let cloud: RunningCloud;

beforeAll(async () => {
  cloud = await startCloudCli(E2E_CLOUD_FLAGS);
}, 320_000);

afterAll(async () => {
  await cloud?.dispose();
}, 30_000);

/** The processes doing S3-path work now: the upload functions' environments and the tasks. */
function victims(): { pid: number; kind: string }[] {
  return descendants(cloud.cli.pid ?? -1).flatMap((pid) => {
    const fn = functionOf(pid);
    if (fn === 'cartoon-compute-dev-process') return [{ pid, kind: 'lambda-zip environment' }];
    if (fn?.startsWith('lambda-image-Queue')) return [{ pid, kind: 'lambda-image environment' }];
    if (commandLine(pid).includes('server.js')) return [{ pid, kind: 'fargate task' }];
    return [];
  });
}

/** Messages waiting in a queue (received and left to come back soon). */
async function drain(url: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const got = await cloud.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (!got.Messages?.length) return bodies;
    bodies.push(...got.Messages.map((m) => m.Body ?? ''));
  }
}

it('ends every upload in exactly one terminal state while environments and tasks are killed', async () => {
  // Small photos keep the run short on a 2-core machine; every fixture photo, in turn.
  const names = Array.from({ length: UPLOADS }, (_, i) => `p${String(i).padStart(2, '0')}.jpg`);
  const waves = Array.from({ length: WAVES }, (_, w) => names.filter((_, i) => i % WAVES === w));
  for (const [w, wave] of waves.entries()) {
    mkdirSync(path.join(cloud.dir, `wave-${w}`));
    for (const name of wave) {
      const source = photo(PHOTO_NAMES[names.indexOf(name) % PHOTO_NAMES.length] ?? 'rocket.jpg');
      const bytes = await sharp(source).resize(96).jpeg().toBuffer();
      writeFileSync(path.join(cloud.dir, `wave-${w}`, name), bytes);
    }
  }

  const killed: string[] = [];
  /** Kills one process, of the kind killed least so far; false when there was none to kill. */
  const killOne = (pick: <T>(items: T[]) => T | undefined): boolean => {
    const candidates = victims().filter((v) => running(v.pid));
    const kinds = [...new Set(candidates.map((v) => v.kind))];
    const times = (kind: string) => killed.filter((k) => k === kind).length;
    const fewest = Math.min(...kinds.map(times));
    const kind = pick(kinds.filter((k) => times(k) === fewest));
    const victim = pick(candidates.filter((v) => v.kind === kind));
    if (victim === undefined) return false;
    try {
      process.kill(victim.pid, 'SIGKILL');
      killed.push(victim.kind);
      return true;
    } catch {
      return false; // it finished and went away meanwhile
    }
  };
  const atRandom = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)];
  let dropping = true;
  const killer = (async () => {
    // Meanwhile, one more process at random about every 400 ms.
    while (dropping && killed.length < KILLS) {
      await sleep(400);
      killOne(atRandom);
    }
  })();
  // The AWS CLI blocks this thread while it uploads, so the faults that must happen are
  // made between waves: each wave's processing is under way when its kill lands.
  for (const [w] of waves.entries()) {
    for (const variant of VARIANTS) {
      const bucket = cloud.endpoints.variants[variant]?.bucket ?? '';
      const wave = path.join(cloud.dir, `wave-${w}`);
      cloud.aws('s3', 'cp', '--recursive', '--quiet', wave, `s3://${bucket}/uploads/`);
    }
    killOne(atRandom);
  }

  const states = new Map<string, string[]>();
  // A set: a dead letter received here comes back after its visibility timeout.
  const deadLetters = new Set<string>();
  const queues = Object.entries(cloud.endpoints.queues).filter(([name]) =>
    /process-failures$|DeadLetterQueue/.test(name),
  );
  await waitFor(
    async () => {
      for (const [, url] of queues) for (const body of await drain(url)) deadLetters.add(body);
      let done = 0;
      for (const variant of VARIANTS) {
        const bucket = cloud.endpoints.variants[variant]?.bucket ?? '';
        const cartoons = await cloud.keys(bucket, 'cartoons/');
        const failed = await cloud.keys(bucket, 'failed/');
        for (const name of names) {
          const ends = [
            ...cartoons.filter((k) => k.startsWith(`cartoons/${name}`)).map(() => 'cartoon'),
            ...failed.filter((k) => k.startsWith(`failed/${name}`)).map(() => 'failure record'),
            ...[...deadLetters]
              .filter((body) => body.includes(`${bucket}`) && body.includes(`uploads/${name}`))
              .map(() => 'dead letter'),
          ];
          states.set(`${variant} ${name}`, ends);
          if (ends.length > 0) done += 1;
        }
      }
      return done === VARIANTS.length * UPLOADS ? true : undefined;
    },
    { what: 'every upload to end', timeoutMs: 150_000, retryErrors: true },
  );
  dropping = false;
  await killer;

  const notExactlyOne = [...states].filter(([, ends]) => ends.length !== 1);
  expect(notExactlyOne).toEqual([]);
  expect(states.size).toBe(VARIANTS.length * UPLOADS);
  // The faults did happen, to more than one kind of process.
  expect(killed.length).toBeGreaterThanOrEqual(3);
  expect(new Set(killed).size).toBeGreaterThanOrEqual(2);
  // Uploads are never deleted or overwritten by processing.
  for (const variant of VARIANTS) {
    const bucket = cloud.endpoints.variants[variant]?.bucket ?? '';
    expect(await cloud.keys(bucket, 'uploads/')).toHaveLength(UPLOADS);
  }
}, 240_000);
