/**
 * The task sizes Fargate accepts: for each CPU value (in CPU units, 1,024 to a vCPU), the
 * memory in MiB from, to and in steps of. Amazon ECS Developer Guide, "Amazon ECS task
 * definition parameters for Fargate", task size table (read 2026-11). The CDK app checks its
 * `cpu` and `memory` context against it, and `npm run cost` its --task-vcpu and
 * --task-memory-gb.
 */
export const FARGATE_TASK_MEMORY: Readonly<Record<number, readonly [number, number, number]>> = {
  256: [512, 2048, 512],
  512: [1024, 4096, 1024],
  1024: [2048, 8192, 1024],
  2048: [4096, 16384, 1024],
  4096: [8192, 30720, 1024],
  8192: [16384, 61440, 4096],
  16384: [32768, 122880, 8192],
};
