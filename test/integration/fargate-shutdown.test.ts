/**
 * SIGTERM, as ECS sends it for a deployment, a scale-in or Fargate Spot's two-minute notice:
 * the task (a real child process) stops accepting connections, answers every request already
 * in flight, stops its queue worker and exits 0, without waiting on clients that trickle their
 * bodies.
 */
import http from 'node:http';
import net from 'node:net';
import sharp from 'sharp';
import {
  type FargateProcess,
  fargateTestEnv,
  startFargateProcess,
  tsxCommand,
} from '../support/fargate-process';
import { photo } from '../support/fixtures';
import { type LocalS3, startLocalS3 } from '../support/local-s3';
import { createQueues, type LocalQueues } from '../support/local-sqs';
import { sleep } from '../support/poll';
import { type Trickler, trickle } from '../support/trickle';

jest.setTimeout(60_000);

let s3: LocalS3;
let queues: LocalQueues;
let task: FargateProcess | undefined;
const tricklers: Trickler[] = [];

beforeAll(async () => {
  s3 = await startLocalS3();
  queues = await createQueues(s3, { maxReceiveCount: 3, visibilityTimeoutSeconds: 30 });
}, 30_000);

afterAll(async () => {
  for (const t of tricklers) t.stop();
  task?.kill();
  await s3?.close();
});

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly body: Buffer;
}

/** POST /cartoon whose body is sent in two halves; the second half waits for `release`. */
function slowUpload(port: number, body: Buffer, release: Promise<void>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/cartoon?maxSide=128',
        headers: { 'content-type': 'image/jpeg', 'content-length': body.length },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            type: String(response.headers['content-type']),
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    request.on('error', reject);
    const half = Math.floor(body.length / 2);
    request.write(body.subarray(0, half));
    void release.then(() => request.end(body.subarray(half)));
  });
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('SIGTERM mid-request: every request in flight is answered, new connections are refused, exit 0', async () => {
  task = await startFargateProcess(tsxCommand(), {
    ...fargateTestEnv(s3, queues.queueUrl),
    MAX_IN_FLIGHT: '3',
    STOP_TIMEOUT_SECONDS: '20',
  });
  const { port } = task;
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const uploads = [1, 2, 3].map(() => slowUpload(port, photo('rocket.jpg'), released));
  // Give the server time to read each request's headers and first half.
  await sleep(500);

  task.child.kill('SIGTERM');
  await task.logLine('stopping');
  await sleep(200);
  const acceptsNewConnections = await connects(port);
  release();
  const answers = await Promise.all(uploads);
  const code = await task.exited();

  expect(acceptsNewConnections).toBe(false);
  for (const answer of answers) {
    expect(answer.status).toBe(200);
    expect(answer.type).toBe('image/jpeg');
    expect(await sharp(answer.body).metadata()).toMatchObject({ format: 'jpeg', width: 128 });
  }
  expect(code).toBe(0);
  expect(await task.logLine('queue worker stopped')).toMatchObject({ finished: true });
  expect(await task.logLine('stopped')).toMatchObject({ clean: true });
});

test('SIGTERM with tricklers: they get 408 at once and the task exits 0 long before its stop timeout', async () => {
  task = await startFargateProcess(tsxCommand(), {
    ...fargateTestEnv(s3, queues.queueUrl),
    STOP_TIMEOUT_SECONDS: '20',
  });
  const url = `http://127.0.0.1:${task.port}`;
  tricklers.push(...Array.from({ length: 5 }, () => trickle(url)));
  // Old enough for a pace: at 1 byte/s their 100,000 bytes cannot arrive in any grace.
  await sleep(1_500);

  const signalled = Date.now();
  task.child.kill('SIGTERM');
  const code = await task.exited();
  const stopMs = Date.now() - signalled;
  const answers = await Promise.all(tricklers.map((t) => t.answer));

  expect(code).toBe(0);
  // The deadline for a body is 54 s and the stop timeout 20 s; the queue's last poll is 1 s.
  expect(stopMs).toBeLessThan(5_000);
  for (const answer of answers) expect(answer.status).toBe(408);
  expect(await task.logLine('bodies still arriving at close')).toMatchObject({ cut: 5 });
  expect(await task.logLine('stopped')).toMatchObject({ clean: true });
});
