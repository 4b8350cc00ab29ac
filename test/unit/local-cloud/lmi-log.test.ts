import {
  parseLmiReport,
  parseLmiReports,
  platformInitReport,
  platformReport,
  platformStart,
} from '../../../local-cloud/lmi-log';

describe('lmi-log', () => {
  it('writes a platform.report as AWS LMI emulator shapes it, and reads it back', () => {
    const line = platformReport({
      requestId: 'r1',
      durationMs: 12.34567,
      status: 'timeout',
      errorType: 'Sandbox.Timedout',
    });

    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      type: 'platform.report',
      record: {
        requestId: 'r1',
        status: 'timeout',
        metrics: { durationMs: 12.346 },
        errorType: 'Sandbox.Timedout',
      },
    });
    expect(Number.isNaN(Date.parse(String(parsed.time)))).toBe(false);
    expect(parseLmiReport(line)).toEqual({
      requestId: 'r1',
      durationMs: 12.346,
      status: 'timeout',
      errorType: 'Sandbox.Timedout',
    });
  });

  it('ignores every other line: start, init, application logs, text', () => {
    const lines = [
      platformStart('r1', '$LATEST', 'arn:aws:lambda:us-east-1:0:function:f'),
      platformInitReport(800, 'success'),
      JSON.stringify({ level: 'INFO', requestId: 'r1', message: 'platform.report' }),
      'REPORT RequestId: r1\tDuration: 1.00 ms',
      platformReport({ requestId: 'r2', durationMs: 5, status: 'success' }),
      '{not json "platform.report"',
    ];

    expect(parseLmiReports(lines.join('\n'))).toEqual([
      { requestId: 'r2', durationMs: 5, status: 'success' },
    ]);
  });

  it('marks an init report with the LMI initialization type and its error type', () => {
    const record = JSON.parse(platformInitReport(10, 'error', 'Runtime.ImportModuleError')) as {
      record: Record<string, unknown>;
    };

    expect(record.record).toEqual({
      initializationType: 'lambda-managed-instances',
      phase: 'init',
      status: 'error',
      metrics: { durationMs: 10 },
      errorType: 'Runtime.ImportModuleError',
    });
  });
});
