/**
 * SIGTERM, as ECS sends it for a deployment, a scale-in or Fargate Spot's two-minute notice:
 * the task (a real child process) stops accepting connections, answers every request already
 * in flight, stops its queue worker and exits 0.
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

jest.setTimeout(60_000);

let s3: LocalS3;
let queues: LocalQueues;
let task: FargateProcess | undefined;

beforeAll(async () => {
  s3 = await startLocalS3();
  queues = await createQueues(s3, { maxReceiveCount: 3, visibilityTimeoutSeconds: 30 });
}, 30_000);

afterAll(async () => {
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
