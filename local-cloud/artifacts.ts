/**
 * A function's deployment artifacts laid out as Lambda lays them out: the function zip
 * unpacked as the task root (/var/task), its layers unpacked in order into /opt, and the
 * runtime client beside them (/var/runtime). Each function gets a fresh folder in its local
 * cloud's run folder under the system temp dir (`makeRunDir`), outside the repo, so nothing
 * resolves from the repo's node_modules.
 *
 * The template names artifacts by their S3 keys; they are found locally by file name. Layers
 * are built for arm64 (Lambda's architecture here): on another CPU the same layer built for
 * this machine (`npm run build:layer -- --arch x64` gives layer-x64.zip) is used instead,
 * because sharp's native binary must match the CPU that runs it.
 */
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { openPromise } from 'yauzl';

export interface FunctionLayout {
  readonly root: string;
  readonly taskRoot: string;
  readonly optDir: string;
  readonly bootstrap: string;
}

const BOOTSTRAP = path.join(__dirname, 'runtime', 'bootstrap.cjs');
const RUNTIME_CLIENT = path.join(__dirname, 'runtime', 'runtime-client.cjs');

/**
 * Copies `bootstrap` into a function's runtime folder (Lambda's /var/runtime) as `bootstrap.cjs`,
 * with the runtime-client.cjs that both bootstraps require beside it; returns the bootstrap.
 *
 * @example
 * ```ts
 * const bootstrap = installBootstrap(path.join(root, 'runtime'), 'local-cloud/runtime/bootstrap.cjs');
 * ```
 */
export function installBootstrap(runtimeDir: string, bootstrap: string): string {
  const installed = path.join(runtimeDir, 'bootstrap.cjs');
  copyFileSync(bootstrap, installed);
  copyFileSync(RUNTIME_CLIENT, path.join(runtimeDir, 'runtime-client.cjs'));
  return installed;
}

/**
 * Finds an artifact by file name in the search folders; for an arm64 layer on an x64 machine,
 * the x64 build of it.
 *
 * @example
 * ```ts
 * findArtifact('layer-arm64.zip', ['build', 'build/functions']); // 'build/layer-x64.zip' on x64
 * ```
 */
export function findArtifact(
  fileName: string,
  searchDirs: readonly string[],
  arch: string = process.arch,
): string {
  const find = (name: string) =>
    searchDirs.map((dir) => path.join(dir, name)).find((file) => existsSync(file));
  const forThisCpu = fileName.includes('arm64') ? fileName.replace(/arm64/g, arch) : fileName;
  const found = find(forThisCpu);
  if (found !== undefined) return found;
  if (forThisCpu !== fileName && find(fileName) !== undefined) {
    throw new Error(
      `${fileName} is built for arm64 and this machine is ${arch}: ` +
        `run npm run build:layer -- --arch ${arch}`,
    );
  }
  throw new Error(`${forThisCpu} not found in ${searchDirs.join(', ')}: run npm run package`);
}

/**
 * Unpacks a function zip into a fresh Lambda-like layout: the code as the task root (or
 * `codeDir` as it is), the runtime client beside it, and `optDir` as its /opt, a folder from
 * `unpackLayers` that functions with the same layers share (an image's own /opt for image
 * functions).
 *
 * @example
 * ```ts
 * const { optDir } = await unpackLayers(['build/layer-x64.zip']);
 * const layout = await unpackFunction('build/functions/api.zip', optDir);
 * // layout.taskRoot/index.js, layout.optDir/nodejs/node_modules/…
 * ```
 */
export async function unpackFunction(
  codeZip: string | undefined,
  optDir: string,
  options: { readonly codeDir?: string; readonly parent?: string } = {},
): Promise<FunctionLayout> {
  const root = mkdtempSync(path.join(options.parent ?? tmpdir(), 'local-cloud-fn-'));
  const taskRoot = options.codeDir ?? path.join(root, 'task');
  const runtimeDir = path.join(root, 'runtime');
  mkdirSync(runtimeDir, { recursive: true });
  if (codeZip !== undefined) await unzip(codeZip, taskRoot);
  const bootstrap = installBootstrap(runtimeDir, BOOTSTRAP);
  return { root, taskRoot, optDir, bootstrap };
}

/**
 * Unpacks layers, in order, into a fresh /opt that functions with these layers share, as
 * Lambda gives each the same read-only /opt: one unzip (about half a second for the core's
 * layer) instead of one a function. Remove `root` when done.
 *
 * @example
 * ```ts
 * const { root, optDir } = await unpackLayers(['build/layer-x64.zip']);
 * ```
 */
export async function unpackLayers(
  layerZips: readonly string[],
  parent: string = tmpdir(),
): Promise<{ root: string; optDir: string }> {
  const root = mkdtempSync(path.join(parent, 'local-cloud-opt-'));
  const optDir = path.join(root, 'opt');
  mkdirSync(optDir, { recursive: true });
  for (const layer of layerZips) await unzip(layer, optDir);
  return { root, optDir };
}

/** A run folder's name: `local-cloud-<pid>-` and mkdtemp's six characters. */
const RUN_DIR = /^local-cloud-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * A fresh folder under the system temp dir for one local cloud's unpacked functions, layers
 * and images, named after this process, so that a later start can tell one whose process
 * died without removing it (SIGKILL, a Ctrl-C that also took its servers) and remove it
 * (`sweepDeadRuns`).
 */
export function makeRunDir(): string {
  return mkdtempSync(path.join(tmpdir(), `local-cloud-${process.pid}-`));
}

/** Whether a process with this pid is running (one of another user's counts). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the run folders (`makeRunDir`) of this user's processes that are no longer
 * running, and returns them. A folder whose pid is running is left alone, even if the pid now
 * belongs to something else; so is another user's. The pid is this machine's (this pid
 * namespace's): containers sharing one /tmp would need more than a pid to tell runs apart.
 *
 * @example
 * ```ts
 * sweepDeadRuns(); // ['/tmp/local-cloud-4242-a1B2c3'] after a run was killed
 * ```
 */
export function sweepDeadRuns(dir: string = tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const pid = RUN_DIR.exec(name)?.[1];
    if (pid === undefined || alive(Number(pid))) continue;
    const folder = path.join(dir, name);
    try {
      // Another user's folder is theirs to remove (a shared machine's /tmp).
      if (statSync(folder).uid !== process.getuid?.()) continue;
      rmSync(folder, { recursive: true, force: true });
      removed.push(folder);
    } catch {
      // Gone meanwhile, or not ours to remove: a leftover must never stop a start.
    }
  }
  return removed;
}

/**
 * Unzips with the entries' Unix modes; yauzl rejects absolute and `..` paths itself.
 *
 * @example
 * ```ts
 * await unzip('build/functions/api.zip', '/tmp/env/var/task');
 * ```
 */
export async function unzip(zipPath: string, targetDir: string): Promise<void> {
  const zip = await openPromise(zipPath, { lazyEntries: true });
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry) => {
      const target = path.join(targetDir, entry.fileName);
      if (entry.fileName.endsWith('/')) {
        mkdirSync(target, { recursive: true });
        zip.readEntry();
        return;
      }
      mkdirSync(path.dirname(target), { recursive: true });
      const mode = (entry.externalFileAttributes >>> 16) & 0o777 || 0o644;
      zip
        .openReadStreamPromise(entry)
        .then((stream) => pipeline(stream, createWriteStream(target, { mode })))
        .then(() => zip.readEntry(), reject);
    });
    zip.readEntry();
  });
}
