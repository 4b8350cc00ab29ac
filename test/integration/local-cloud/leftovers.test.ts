// A run killed with SIGKILL leaves its children; the next start kills those, and only those.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killLeftovers, recordPids } from '../../../local-cloud/leftovers';
import { sleep } from '../../support/poll';

let dir: string;
const children: ChildProcess[] = [];

function idle(...marker: string[]): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ...marker], {
    stdio: 'ignore',
  });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'local-cloud-leftovers-'));
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('leftovers', () => {
  it('kills recorded processes that are still ours, and nothing else', async () => {
    const ours = idle('/tmp/local-cloud-fn-x/runtime/bootstrap.cjs');
    const stranger = idle('something-else');
    await sleep(100);
    const file = path.join(dir, 'pids.json');
    const record = recordPids(file, () => [ours.pid ?? -1, stranger.pid ?? -1]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual([ours.pid, stranger.pid]);

    const killed = killLeftovers(file);

    expect(killed).toEqual([ours.pid]);
    await exited(ours);
    expect(ours.signalCode).toBe('SIGKILL');
    expect(stranger.exitCode).toBeNull();
    record.stop();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual([]);
  });

  it('does nothing without a record', () => {
    expect(killLeftovers(path.join(dir, 'missing.json'))).toEqual([]);
  });
});
