/**
 * The task sizes Fargate accepts: for each CPU value (in CPU units, 1,024 to a vCPU), the
 * memory in MiB it may have. Amazon ECS Developer Guide, "Amazon ECS task definition
 * parameters for Fargate", task size table (read 2026-11): 256 units take only 512, 1,024 or
 * 2,048 MiB; the others a range in steps. The CDK app checks its `cpu` and `memory` context
 * against it, and `npm run cost` its --task-vcpu and --task-memory-gb.
 */
type MemoryChoices =
  | { readonly only: readonly number[] }
  | { readonly from: number; readonly to: number; readonly step: number };

export const FARGATE_TASK_MEMORY: Readonly<Record<number, MemoryChoices>> = {
  256: { only: [512, 1024, 2048] },
  512: { from: 1024, to: 4096, step: 1024 },
  1024: { from: 2048, to: 8192, step: 1024 },
  2048: { from: 4096, to: 16384, step: 1024 },
  4096: { from: 8192, to: 30720, step: 1024 },
  8192: { from: 16384, to: 61440, step: 4096 },
  16384: { from: 32768, to: 122880, step: 8192 },
};

function choices(cpu: number): MemoryChoices {
  const found = FARGATE_TASK_MEMORY[cpu];
  if (found === undefined) throw new Error(`Fargate has no task size with ${cpu} CPU units`);
  return found;
}

/**
 * Whether Fargate offers `memory` MiB with `cpu` units.
 *
 * @example
 * ```ts
 * fargateAllows(256, 1536); // false: 0.25 vCPU takes 0.5, 1 or 2 GB
 * ```
 */
export function fargateAllows(cpu: number, memory: number): boolean {
  const c = choices(cpu);
  if ('only' in c) return c.only.includes(memory);
  return memory >= c.from && memory <= c.to && (memory - c.from) % c.step === 0;
}

/** The least and the most memory (MiB) Fargate offers with `cpu` units. */
export function fargateMemoryRange(cpu: number): readonly [number, number] {
  const c = choices(cpu);
  return 'only' in c ? [c.only[0] as number, c.only.at(-1) as number] : [c.from, c.to];
}

/**
 * The memory Fargate offers with `cpu` units, in words, in MiB or GB.
 *
 * @example
 * ```ts
 * describeFargateMemory(1024, 'GB'); // '2 to 8 GB in steps of 1 GB'
 * describeFargateMemory(256, 'GB'); // '0.5, 1 or 2 GB'
 * ```
 */
export function describeFargateMemory(cpu: number, unit: 'MiB' | 'GB'): string {
  const c = choices(cpu);
  const size = (mib: number) => String(unit === 'GB' ? mib / 1024 : mib);
  if ('only' in c) {
    const names = c.only.map(size);
    return `${names.slice(0, -1).join(', ')} or ${names.at(-1)} ${unit}`;
  }
  return `${size(c.from)} to ${size(c.to)} ${unit} in steps of ${size(c.step)} ${unit}`;
}
