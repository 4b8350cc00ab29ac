// fargate's service with real task processes from a build context whose Dockerfile CMD runs a
// tiny server (the real one is exercised end to end): the desired count, a task killed with
// SIGKILL replaced and out of rotation, and ECS's stop (drain, SIGTERM, SIGKILL after the
// stop timeout). Task output goes to fargate-task-<n>.log.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readImage } from '../../../local-cloud/container-image';
import { FargateService } from '../../../local-cloud/fargate-tasks';
import { LoadBalancer } from '../../../local-cloud/load-balancer';
import { sleep, waitFor } from '../../support/poll';

// Logs "listening" as the real server does; ignores SIGTERM when told to, to test SIGKILL.
const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  setTimeout(() => res.end(String(process.pid)), Number(req.url.split('delay=')[1] || 0));
});
process.on('SIGTERM', () => {
  console.log(JSON.stringify({ message: 'stopping' }));
  if (process.env.IGNORE_SIGTERM !== '1') server.close(() => process.exit(0));
});
server.listen(Number(process.env.PORT), process.env.HOST, () =>
  console.log(JSON.stringify({ message: 'listening', port: server.address().port, variant: process.env.VARIANT })));
`;

let dir: string;
let lb: LoadBalancer;
let service: FargateService | undefined;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'fargate-tasks-'));
  mkdirSync(path.join(dir, 'context'));
  writeFileSync(path.join(dir, 'context', 'server.js'), SERVER);
  writeFileSync(
    path.join(dir, 'context', 'Dockerfile'),
    'FROM node:24-bookworm-slim\nENV VARIANT=fargate\nWORKDIR /app\nCOPY server.js ./\nCMD ["node", "server.js"]\n',
  );
  lb = await LoadBalancer.start({
    healthCheck: {
      path: '/health',
      intervalMs: 200,
      timeoutMs: 500,
      healthyThreshold: 1,
      unhealthyThreshold: 2,
    },
    deregistrationDelayMs: 5_000,
    initialIntervalMs: 50,
  });
});

afterEach(async () => {
  await service?.stop();
  service = undefined;
  await lb.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(
  env: Record<string, string> = {},
  stopTimeoutMs = 5_000,
): Promise<FargateService> {
  service = await FargateService.start({
    image: readImage(path.join(dir, 'context')),
    environment: env,
    desiredCount: 2,
    stopTimeoutMs,
    loadBalancer: lb,
    logsDir: dir,
  });
  await service.ready();
  return service;
}

const pidsServed = async (n: number) => {
  const bodies: string[] = [];
  for (let i = 0; i < n; i += 1) bodies.push(await (await fetch(lb.url)).text());
  return bodies.map(Number);
};

it('runs the desired count from the image CMD, round robin, with each task’s log file', async () => {
  const s = await start();

  const served = await pidsServed(6);

  expect(s.tasks).toHaveLength(2);
  expect(new Set(served)).toEqual(new Set(s.tasks.map((t) => t.pid)));
  expect(readFileSync(path.join(dir, 'fargate-task-1.log'), 'utf8')).toContain(
    '"variant":"fargate"',
  );
  expect(existsSync(path.join(dir, 'fargate-task-2.log'))).toBe(true);
});

it('replaces a task killed with SIGKILL and keeps it out of rotation', async () => {
  const s = await start();
  const [victim] = s.tasks;

  process.kill(victim?.pid ?? -1, 'SIGKILL');
  await waitFor(() => s.tasks.length === 2 && s.tasks.every((t) => t.pid !== victim?.pid), {
    what: 'a replacement task',
    timeoutMs: 15_000,
    intervalMs: 50,
  });
  await s.ready();

  const served = await pidsServed(6);
  expect(served).not.toContain(victim?.pid);
  expect(new Set(served)).toEqual(new Set(s.tasks.map((t) => t.pid)));
  // The replacement is the third task started; the victim's number is gone.
  expect(s.tasks.map((t) => t.number)).toContain(3);
  expect(s.tasks.map((t) => t.number)).not.toContain(victim?.number);
}, 30_000);

it('stops a task as ECS does: drains its request in flight, then SIGTERM lets it exit', async () => {
  const s = await start();
  const [task] = s.tasks;
  // Send requests until one is held on the task being stopped.
  const slow = fetch(`${lb.url}/?delay=700`).then((r) => r.text());
  await sleep(100);

  if (task === undefined) throw new Error('no task');
  await s.stopTask(task);
  const body = await slow;

  expect(Number(body)).toBeGreaterThan(0);
  expect(s.tasks).toHaveLength(1);
  expect(readFileSync(path.join(dir, `fargate-task-${task?.number}.log`), 'utf8')).toContain(
    'stopping',
  );
});

it('kills a task that ignores SIGTERM after the stop timeout', async () => {
  const s = await start({ IGNORE_SIGTERM: '1' }, 500);
  const [task] = s.tasks;
  const started = Date.now();

  if (task === undefined) throw new Error('no task');
  await s.stopTask(task);

  expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  expect(() => process.kill(task?.pid ?? -1, 0)).toThrow();
});
