// Running a planned command: stack outputs substituted into its arguments, its standard input
// written, its variables added, its exit status answered. A real child process (Node itself).
import { outputMap, runStep } from '../../scripts/lib/run-step';

describe('runStep', () => {
  it('runs the command with outputs, stdin and env filled in, and answers its status', () => {
    // Exits 0 only if it got the output as argv[1], the stdin text and the variable.
    const script =
      "let d='';process.stdin.on('data',(c)=>{d+=c});process.stdin.on('end',()=>" +
      "process.exit(process.argv[1]==='cartoon-compute-dev-eks'&&d==='kind: NodePool\\n'&&process.env.PLAN_VAR==='x'?0:7))";
    const { status } = runStep(
      {
        command: process.execPath,
        args: ['-e', script, { output: 'ClusterName' }],
        env: { PLAN_VAR: 'x' },
        stdin: 'kind: NodePool\n',
      },
      { ClusterName: 'cartoon-compute-dev-eks' },
      process.cwd(),
    );
    expect(status).toBe(0);
  });

  it('answers the failing status, and 1 with the reason when the command does not exist', () => {
    const failing = runStep(
      { command: process.execPath, args: ['-e', 'process.exit(3)'], env: {} },
      {},
      process.cwd(),
    );
    expect(failing.status).toBe(3);
    const missing = runStep(
      { command: 'no-such-command-here', args: [], env: {} },
      {},
      process.cwd(),
    );
    expect(missing).toEqual({ status: 1, detail: expect.stringContaining('ENOENT') });
  });

  it('refuses a step whose output the stack lacks, before starting anything', () => {
    expect(() =>
      runStep(
        { command: 'kubectl', args: [{ output: 'ClusterName' }], env: {} },
        {},
        process.cwd(),
      ),
    ).toThrow('the stack has no output ClusterName');
  });
});

describe('outputMap', () => {
  it('keys the outputs that have a value', () => {
    expect(
      outputMap([
        { OutputKey: 'ClusterName', OutputValue: 'c' },
        { OutputKey: 'Empty' },
        { OutputValue: 'orphan' },
      ]),
    ).toEqual({ ClusterName: 'c' });
    expect(outputMap(undefined)).toEqual({});
  });
});
