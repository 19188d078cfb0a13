import { describe, expect, it } from 'vitest';
import { csvField, usageCsv, usageCsvFileName } from '../../../renderer/src/views/analytics/usageCsv.js';
import { daysBetween, measuresShown, usageRows } from '../../../renderer/src/views/analytics/usageTable.js';

describe('C10 usage CSV', () => {
  it('writes a header, one line per row and a totals line, with CRLF line ends', () => {
    const csv = usageCsv(
      'day',
      [
        { key: '2026-03-06', label: 'Fri 6 Mar', credits: 24, generations: 0, count: 1 },
        { key: '2026-03-07', label: 'Sat 7 Mar', credits: 1234, generations: 0, count: 3 },
      ],
      { credits: 1258, generations: 0, count: 4 },
    );
    expect(csv).toBe(
      'Day,Date,Credits,Generations,Requests\r\n2026-03-06,Fri 6 Mar,24,0,1\r\n2026-03-07,Sat 7 Mar,1234,0,3\r\nTotal,,1258,0,4\r\n',
    );
  });

  it('quotes fields with commas, quotes and line breaks, doubling the quotes', () => {
    expect(csvField('Spark, fast')).toBe('"Spark, fast"');
    expect(csvField('the "vivid" one')).toBe('"the ""vivid"" one"');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('plain')).toBe('plain');
  });

  it('keeps text that a spreadsheet would run as a formula from running', () => {
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@sum')).toBe("'@sum");
    expect(csvField(-5)).toBe('-5');
  });

  it('names the columns after the grouping', () => {
    expect(usageCsv('model', [], { credits: 0, generations: 0, count: 0 }).split('\r\n')[0]).toBe(
      'Model id,Model,Credits,Generations,Requests',
    );
    expect(usageCsv('tool', [], { credits: 0, generations: 0, count: 0 }).split('\r\n')[0]).toBe(
      'Tool id,Tool,Credits,Generations,Requests',
    );
  });

  it('names the file after the grouping and the range', () => {
    expect(usageCsvFileName('day', '2026-02-06', '2026-03-07')).toBe('usage-by-day-2026-02-06-to-2026-03-07.csv');
    expect(usageCsvFileName('tool', '', '')).toBe('usage-by-tool.csv');
  });
});

describe('C10 usage table', () => {
  it('fills the days of the range without use with zeros, so the chart has one bar a day', () => {
    const rows = usageRows(
      {
        rows: [{ key: '2026-03-05', credits: 10, generations: 0, count: 1 }],
        totals: { credits: 10, generations: 0, count: 1 },
      },
      'day',
      null,
      { from: '2026-03-04', to: '2026-03-06' },
    );
    expect(rows.map((row) => [row.key, row.label, row.credits])).toEqual([
      ['2026-03-04', 'Wed 4 Mar', 0],
      ['2026-03-05', 'Thu 5 Mar', 10],
      ['2026-03-06', 'Fri 6 Mar', 0],
    ]);
  });

  it('counts the days of a range across a DST change by calendar day', () => {
    expect(daysBetween('2026-03-07', '2026-03-09')).toEqual(['2026-03-07', '2026-03-08', '2026-03-09']);
    expect(daysBetween('2026-03-09', '2026-03-07')).toEqual([]);
  });

  it('names tools and models from the catalog, keeping unknown ids as they are', () => {
    const catalog = {
      tools: [{ id: 'text-to-image', name: 'Text to image', kind: 'image', needsSource: false }],
      models: [],
    } as unknown as Parameters<typeof usageRows>[2];
    const rows = usageRows(
      {
        rows: [
          { key: 'text-to-image', credits: 6, generations: 0, count: 1 },
          { key: 'ai-music', credits: 40, generations: 0, count: 1 },
        ],
        totals: { credits: 46, generations: 0, count: 2 },
      },
      'tool',
      catalog,
      { from: '', to: '' },
    );
    expect(rows.map((row) => row.label)).toEqual(['Text to image', 'ai-music']);
  });
});

describe('which spend figures Analytics shows', () => {
  it('a credit plan shows credits, a generation plan plan generations; the other only when the range has some', () => {
    expect(measuresShown('credits', { credits: 34, generations: 0 })).toEqual({ credits: true, generations: false });
    expect(measuresShown('generations', { credits: 0, generations: 12 })).toEqual({
      credits: false,
      generations: true,
    });
    // The plan changed within the range: both spends happened, both are shown.
    expect(measuresShown('generations', { credits: 30, generations: 12 })).toEqual({
      credits: true,
      generations: true,
    });
    expect(measuresShown(null, { credits: 0, generations: 0 })).toEqual({ credits: true, generations: true });
  });
});
