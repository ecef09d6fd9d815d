import { z } from 'zod';
import { integerColumn, jsonColumn, parseRows, parseTextArrayLiteral, parseTimestampText, textArrayColumn, timestampColumn } from '../src/sql/codecs';
import { pgTextArrayLiteral } from '../src/sql/statement';
import { KeysetPosition } from '../src/reads/keyset';

describe('column codecs', () => {
  it('reads timestamps from Dates, Data API UTC text and ISO text alike', () => {
    const expected = new Date('2026-11-25T14:34:03.123Z');
    expect(timestampColumn.parse(expected)).toEqual(expected);
    expect(timestampColumn.parse('2026-11-25 14:34:03.123')).toEqual(expected);
    expect(timestampColumn.parse('2026-11-25 14:34:03.123456')).toEqual(expected);
    expect(timestampColumn.parse('2026-11-25T15:34:03.123+01:00')).toEqual(expected);
    expect(timestampColumn.parse('2026-11-25 14:34:03')).toEqual(new Date('2026-11-25T14:34:03Z'));
    expect(parseTimestampText('yesterday')).toBeUndefined();
    expect(() => timestampColumn.parse('2026-13-45 99:00:00')).toThrow(/not a timestamp/);
  });

  it('reads JSON columns from objects or text, then checks them', () => {
    const details = jsonColumn(z.object({ from: z.string(), to: z.string() }));
    expect(details.parse('{"from":"SEV2","to":"SEV1"}')).toEqual({ from: 'SEV2', to: 'SEV1' });
    expect(details.parse({ from: 'SEV2', to: 'SEV1' })).toEqual({ from: 'SEV2', to: 'SEV1' });
    expect(() => details.parse('{not json')).toThrow(/not JSON text/);
    expect(() => details.parse('{"from":1}')).toThrow();
  });

  it('reads text arrays from JSON arrays or PostgreSQL literals, round-tripping awkward elements', () => {
    const awkward = ['payments', 'a "quoted" one', 'comma, inside', 'back\\slash', '{braces}'];
    expect(parseTextArrayLiteral(pgTextArrayLiteral(awkward))).toEqual(awkward);
    expect(textArrayColumn.parse('{login,sso}')).toEqual(['login', 'sso']);
    expect(textArrayColumn.parse('{}')).toEqual([]);
    expect(textArrayColumn.parse(['x'])).toEqual(['x']);
  });

  it('reads counts from numbers, bigints and decimal text', () => {
    expect([integerColumn.parse(3), integerColumn.parse(3n), integerColumn.parse('3')]).toEqual([3, 3, 3]);
    expect(() => integerColumn.parse('3.5')).toThrow();
  });

  it('names the row and column that does not match', () => {
    expect(() => parseRows(z.object({ id: z.string() }), [{ id: 'a' }, { id: 2 }])).toThrow(/Row 1 does not match its schema at id/);
  });
});

describe('KeysetPosition', () => {
  it('takes the exact microsecond text a page ends at', () => {
    expect(KeysetPosition.parse({ at: '2026-11-01T09:00:00.123456', id: 'T-1' })).toEqual({ at: '2026-11-01T09:00:00.123456', id: 'T-1' });
  });

  it.each(['2026-02-30T09:00:00.000000', '2026-11-01T25:00:00.000000', '0000-01-01T00:00:00.000000'])('refuses %s, which matches the pattern but is no time', (at) => {
    expect(KeysetPosition.safeParse({ at, id: 'T-1' }).success).toBe(false);
  });
});
