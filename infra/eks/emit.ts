/**
 * The manifests as YAML, one file per object, numbered in apply order, so that
 * `kubectl apply -f build/eks/` (which takes a directory's files in name order) creates the
 * namespace before what lives in it.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { APPLY_ORDER, type EksManifests } from './manifests';

export interface EmittedFile {
  readonly file: string;
  readonly kind: string;
  readonly name: string;
}

/** `03-ingressclass-cartoon-compute.yaml` for the fourth object in apply order. */
export function manifestFileName(index: number, object: { kind: string; name: string }): string {
  return `${String(index).padStart(2, '0')}-${object.kind.toLowerCase()}-${object.name}.yaml`;
}

/**
 * One object as a YAML document. Keys keep the objects' own order; strings that look like
 * numbers or booleans are quoted, so `queueLength: "5"` stays a string; no YAML anchors
 * where two fields share one object (requests and limits), for readers that do not follow them.
 *
 * @example
 * ```ts
 * toYaml({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } });
 * // 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n'
 * ```
 */
export function toYaml(object: object): string {
  return stringify(object, { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * Writes every object to `dir` (emptied of earlier .yaml files first, so a renamed object
 * leaves no stale file behind to be applied) and returns what it wrote.
 *
 * @example
 * ```ts
 * const written = await writeManifests('build/eks', manifests);
 * written[0]?.file; // 'build/eks/00-namespace-cartoon-compute.yaml'
 * ```
 */
export async function writeManifests(dir: string, manifests: EksManifests): Promise<EmittedFile[]> {
  await mkdir(dir, { recursive: true });
  for (const entry of await readdir(dir)) {
    if (entry.endsWith('.yaml')) await rm(path.join(dir, entry));
  }
  const written: EmittedFile[] = [];
  for (const [index, key] of APPLY_ORDER.entries()) {
    const object = manifests[key];
    const kind = object.kind;
    const name = object.metadata?.name ?? key;
    const file = path.join(dir, manifestFileName(index, { kind, name }));
    await writeFile(file, toYaml(object));
    written.push({ file, kind, name });
  }
  return written;
}
