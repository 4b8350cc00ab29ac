/**
 * What the fargate cold path changed, kept on disk until it is put back. The file is written
 * before the service is touched and removed once it is restored; a run that finds one (the
 * previous run was killed before it could restore) restores from it first, instead of taking
 * the service's zero tasks as its normal size.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ServiceOriginal {
  readonly stackName: string;
  readonly cluster: string;
  readonly service: string;
  readonly desiredCount: number;
  /** The auto-scaling minimum; undefined when the service has no scalable target. */
  readonly minCapacity?: number;
  readonly savedAt: string;
}

/** Where a stack's pending restore is kept. */
export function restoreFile(dir: string, stackName: string): string {
  return path.join(dir, `${stackName}.restore.json`);
}

/**
 * Records the original values before anything changes.
 *
 * @example
 * ```ts
 * savePending('reports/.aws-state', { stackName, cluster, service, desiredCount: 2, minCapacity: 1, savedAt });
 * ```
 */
export function savePending(dir: string, original: ServiceOriginal): string {
  mkdirSync(dir, { recursive: true });
  const file = restoreFile(dir, original.stackName);
  writeFileSync(file, `${JSON.stringify(original, null, 2)}\n`);
  return file;
}

/**
 * The pending restore of a stack, if a run left one.
 *
 * @example
 * ```ts
 * readPending('reports/.aws-state', 'cartoon-compute-dev-fargate')?.desiredCount; // 2
 * ```
 * @throws when the file exists but is not a restore record (it is kept for a human to read).
 */
export function readPending(dir: string, stackName: string): ServiceOriginal | undefined {
  const file = restoreFile(dir, stackName);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = JSON.parse(text) as Partial<ServiceOriginal>;
  if (
    typeof parsed.cluster !== 'string' ||
    typeof parsed.service !== 'string' ||
    typeof parsed.desiredCount !== 'number'
  ) {
    throw new Error(`${file} is not a fargate restore record; read it and delete it`);
  }
  return parsed as ServiceOriginal;
}

/** Forgets a stack's pending restore once it is done. */
export function clearPending(dir: string, stackName: string): void {
  rmSync(restoreFile(dir, stackName), { force: true });
}
