/** The printers podnet borrows from kubectl and calicoctl, against their reference behaviour. */
import { describe, expect, it } from 'vitest';
import { boxTable, goG5, goPercent } from '../../src/io/format/box-table.js';
import { KUBECTL_GET, tabwrite } from '../../src/io/format/tabwriter.js';
import { humanDuration } from '../../src/io/format/time.js';

describe('kubectl tabwriter (minwidth 6, padding 3)', () => {
  it('pads columns to the widest cell plus three spaces', () => {
    expect(tabwrite('NAME\tREADY\tSTATUS\nweb-6db489d4b7-gln7h\t1/1\tRunning', KUBECTL_GET)).toBe(
      'NAME                   READY   STATUS\nweb-6db489d4b7-gln7h   1/1     Running',
    );
  });

  it('aligns only the block of consecutive lines that share a column', () => {
    expect(tabwrite('a:\t1\nlonger key:\t2\nno tab here\nb:\t3', { minWidth: 0, padding: 2 })).toBe(
      'a:           1\nlonger key:  2\nno tab here\nb:  3',
    );
  });
});

describe('kubectl AGE (HumanDuration)', () => {
  it.each([
    [0, '0s'],
    [17, '17s'],
    [119, '119s'],
    [120, '2m'],
    [150, '2m30s'],
    [600, '10m'],
    [3 * 3600 - 1, '179m'],
    [3 * 3600, '3h'],
    [3 * 3600 + 60, '3h1m'],
    [8 * 3600, '8h'],
    [47 * 3600, '47h'],
    [2 * 86400 + 9 * 3600, '2d9h'],
    [10 * 86400, '10d'],
    [800 * 86400, '2y70d'],
  ])('%i s is %s', (seconds, text) => {
    expect(humanDuration(seconds)).toBe(text);
  });
});

describe('calicoctl numbers', () => {
  it('prints %.5g as Go does', () => {
    expect([64, 65536, 65531, 1048576, 0, 16].map(goG5)).toEqual(['64', '65536', '65531', '1.0486e+06', '0', '16']);
    expect(goG5(1.2089258196146292e24)).toBe('1.2089e+24');
  });

  it("rounds percentages half to even, as Go's %.f", () => {
    expect([goPercent(5, 64), goPercent(59, 64), goPercent(2, 16), goPercent(5, 65536), goPercent(1, 8)]).toEqual([
      '8%',
      '92%',
      '12%',
      '0%',
      '12%',
    ]);
  });

  it('draws the box table with centred headers and right-aligned totals', () => {
    const table = boxTable(
      ['grouping', 'cidr', 'ips total'],
      [
        ['IP Pool', '10.65.0.0/16', '65536'],
        ['Block', '10.65.79.0/26', '64'],
      ],
      new Set([2]),
    );
    expect(table).toBe(
      [
        '+----------+---------------+-----------+',
        '| GROUPING |     CIDR      | IPS TOTAL |',
        '+----------+---------------+-----------+',
        '| IP Pool  | 10.65.0.0/16  |     65536 |',
        '| Block    | 10.65.79.0/26 |        64 |',
        '+----------+---------------+-----------+',
      ].join('\n'),
    );
  });
});
