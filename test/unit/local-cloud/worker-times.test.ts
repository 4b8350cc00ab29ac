import { scaledWorkerTimes } from '../../../local-cloud/worker-times';
import { readFargateConfig } from '../../../services/fargate/config';

// As the fargate stack sets them (infra/lib/fargate-stack.ts, service-environment.ts).
const TASK = {
  BUCKET_NAME: 'b',
  VARIANT: 'fargate',
  QUEUE_URL: 'http://127.0.0.1:4566/000000000000/uploads',
  QUEUE_VISIBILITY_TIMEOUT_SECONDS: '300',
  PROCESS_MAX_ATTEMPTS: '3',
  PROCESS_RETRY_WINDOW_SECONDS: '900',
};

describe('scaledWorkerTimes', () => {
  it('changes nothing at scale 1', () => {
    expect(scaledWorkerTimes(TASK, 1)).toEqual({});
  });

  it.each([0.001, 0.02, 0.5, 2, 5])('gives a task the worker accepts at scale %s', (scale) => {
    const env = { ...TASK, ...scaledWorkerTimes(TASK, scale) };

    const queue = readFargateConfig(env).queue;

    expect(queue?.visibilityTimeoutSeconds).toBe(Math.max(2, Math.round(300 * scale)));
    expect(queue?.heartbeatSeconds).toBeLessThan(queue?.visibilityTimeoutSeconds ?? 0);
  });

  it('scales the retry window with the visibility, at least one visibility per attempt', () => {
    expect(scaledWorkerTimes(TASK, 0.02)).toMatchObject({
      QUEUE_VISIBILITY_TIMEOUT_SECONDS: '6',
      PROCESS_RETRY_WINDOW_SECONDS: '18',
      QUEUE_HEARTBEAT_SECONDS: '2',
      QUEUE_WAIT_SECONDS: '1',
    });
    expect(scaledWorkerTimes(TASK, 2)).toMatchObject({
      QUEUE_VISIBILITY_TIMEOUT_SECONDS: '600',
      PROCESS_RETRY_WINDOW_SECONDS: '1800',
      QUEUE_WAIT_SECONDS: '20',
    });
  });
});
