// A frozen child started through killedWithParent dies with its parent, even when the parent is
// killed with SIGKILL and the child is stopped (SIGSTOP) in its own session, as a local
// execution environment is between invocations.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { killedWithParent, setprivPath } from '../../../local-cloud/parent-death';
import { waitFor } from '../../support/poll';

function state(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  const s = state(pid);
  return s !== undefined && s !== 'Z';
};

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
});

/** A parent Node process that starts a detached, frozen child and prints the child's pid. */
async function parentWithFrozenChild(wrap: boolean): Promise<{ parent: number; child: number }> {
  const inner = { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] };
  const { command, args } = wrap ? killedWithParent(inner) : inner;
  const script = `
    const { spawn } = require('node:child_process');
    const child = spawn(${JSON.stringify(command)}, ${JSON.stringify(args)}, { detached: true, stdio: 'ignore' });
    setTimeout(() => { process.kill(-child.pid, 'SIGSTOP'); console.log(child.pid); }, 300);
    setInterval(() => {}, 1000);
  `;
  const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(parent.pid ?? -1);
  const child = await new Promise<number>((resolve) =>
    parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
  );
  started.push(child);
  await waitFor(() => (state(child) === 'T' ? true : undefined), {
    what: 'the child frozen',
    timeoutMs: 5_000,
  });
  return { parent: parent.pid ?? -1, child };
}

describe('killedWithParent', () => {
  it('runs the command through setpriv with a parent-death SIGKILL where setpriv exists', () => {
    expect(killedWithParent({ command: 'node', args: ['a.js'] }, '/usr/bin/setpriv')).toEqual({
      command: '/usr/bin/setpriv',
      args: ['--pdeathsig', 'KILL', '--', 'node', 'a.js'],
    });
    expect(killedWithParent({ command: 'node', args: ['a.js'] }, false)).toEqual({
      command: 'node',
      args: ['a.js'],
    });
    // This machine (Debian, util-linux) has it: the test below depends on it.
    expect(setprivPath()).toBeDefined();
  });

  it('kills a frozen child when its parent is killed with SIGKILL', async () => {
    const { parent, child } = await parentWithFrozenChild(true);

    process.kill(parent, 'SIGKILL');

    await waitFor(() => (alive(child) ? undefined : true), {
      what: 'the frozen child gone',
      timeoutMs: 5_000,
    });
    expect(alive(child)).toBe(false);
  });

  it('leaves a frozen child behind without it (the failure it prevents)', async () => {
    const { parent, child } = await parentWithFrozenChild(false);

    process.kill(parent, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));

    expect(state(child)).toBe('T');
  });
});
