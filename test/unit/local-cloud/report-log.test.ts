import {
  formatEnd,
  formatReport,
  formatStart,
  parseInsightsRow,
  parseReportLine,
  parseReports,
} from '../../../local-cloud/report-log';

describe('report-log', () => {
  it('writes START, END and REPORT exactly as Lambda does', () => {
    expect(formatStart('r-1')).toBe('START RequestId: r-1 Version: $LATEST');
    expect(formatEnd('r-1')).toBe('END RequestId: r-1');
    expect(
      formatReport({
        requestId: 'r-1',
        durationMs: 12.344,
        billedDurationMs: 247,
        memorySizeMb: 1769,
        maxMemoryUsedMb: 87.4,
        initDurationMs: 234.556,
      }),
    ).toBe(
      'REPORT RequestId: r-1\tDuration: 12.34 ms\tBilled Duration: 247 ms\tMemory Size: 1769 MB\t' +
        'Max Memory Used: 87 MB\tInit Duration: 234.56 ms\t',
    );
  });

  it('leaves Init Duration out of a warm REPORT and adds Status on a timeout', () => {
    const line = formatReport({
      requestId: 'r-2',
      durationMs: 3000,
      billedDurationMs: 3000,
      memorySizeMb: 128,
      maxMemoryUsedMb: 50,
      status: 'timeout',
    });
    expect(line).not.toContain('Init Duration');
    expect(line.endsWith('\tStatus: timeout\t')).toBe(true);
  });

  it('reads back what it writes, and what AWS writes', () => {
    const report = {
      requestId: '8f5d1d8e-0000-4c4c-9a9a-123456789abc',
      durationMs: 5.03,
      billedDurationMs: 6,
      memorySizeMb: 1769,
      maxMemoryUsedMb: 95,
      initDurationMs: 259.64,
    };
    expect(parseReportLine(formatReport(report))).toEqual(report);
    const aws =
      'REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be3\tDuration: 12.34 ms\tBilled Duration: 100 ms\tMemory Size: 128 MB\tMax Memory Used: 18 MB\t';
    expect(parseReportLine(aws)).toEqual({
      requestId: '3604209a-e9a3-11e6-939a-754dd98c7be3',
      durationMs: 12.34,
      billedDurationMs: 100,
      memorySizeMb: 128,
      maxMemoryUsedMb: 18,
    });
  });

  it('finds the REPORT lines among a log file’s other lines', () => {
    const text = [
      formatStart('a'),
      '2026-11-28T20:00:00.000Z\ta\tINFO\thello',
      formatEnd('a'),
      formatReport({
        requestId: 'a',
        durationMs: 1,
        billedDurationMs: 1,
        memorySizeMb: 128,
        maxMemoryUsedMb: 40,
      }),
      'REPORT without fields',
    ].join('\n');
    expect(parseReports(text).map((r) => r.requestId)).toEqual(['a']);
  });

  it('reads Logs Insights rows, by discovered fields or by @message', () => {
    const fields = parseInsightsRow([
      { field: '@requestId', value: 'r-9' },
      { field: '@duration', value: '101.5' },
      { field: '@billedDuration', value: '345' },
      { field: '@memorySize', value: '1769000000' },
      { field: '@maxMemoryUsed', value: '87000000' },
      { field: '@initDuration', value: '243.1' },
    ]);
    expect(fields).toEqual({
      requestId: 'r-9',
      durationMs: 101.5,
      billedDurationMs: 345,
      memorySizeMb: 1769,
      maxMemoryUsedMb: 87,
      initDurationMs: 243.1,
    });
    const message = parseInsightsRow([
      {
        field: '@message',
        value: `${formatReport({ requestId: 'm', durationMs: 2, billedDurationMs: 2, memorySizeMb: 512, maxMemoryUsedMb: 60 })}\n`,
      },
    ]);
    expect(message?.memorySizeMb).toBe(512);
    expect(parseInsightsRow([{ field: '@message', value: 'START RequestId: x' }])).toBeUndefined();
  });
});
