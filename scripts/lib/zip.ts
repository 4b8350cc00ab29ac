import { createWriteStream, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ZipFile } from 'yazl';

/** Every regular file under `dir`, relative to it, in a stable order. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => {
      if (entry.isSymbolicLink())
        throw new Error(`symlink in a Lambda package: ${entry.parentPath}/${entry.name}`);
      return entry.isFile();
    })
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/**
 * Zips a directory for Lambda with each file's mode kept and a fixed timestamp, so that an
 * unchanged package gives a byte-identical zip and deploy tools see no new version. Lambda
 * zips cannot hold symlinks, so meeting one is an error. Returns the sum of the file sizes,
 * which is what counts against Lambda's unzipped limit.
 */
export async function zipDirectory(dir: string, zipPath: string): Promise<number> {
  const zip = new ZipFile();
  let unzippedBytes = 0;
  for (const file of listFiles(dir)) {
    const stats = statSync(path.join(dir, file));
    unzippedBytes += stats.size;
    zip.addFile(path.join(dir, file), file.split(path.sep).join('/'), {
      mode: stats.mode,
      mtime: new Date('2000-01-01T00:00:00Z'),
    });
  }
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.outputStream.pipe(createWriteStream(zipPath)).on('close', resolve).on('error', reject);
    zip.end();
  });
  return unzippedBytes;
}

export function megabytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
