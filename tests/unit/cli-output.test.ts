import { describe, expect, it } from 'vitest';
import { relativeTime, table } from '../../cli/output';

describe('the CLI output helpers', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  it('says times relative to now, past and future, and "-" for none', () => {
    expect(relativeTime('2026-11-30T11:59:30Z', now)).toBe('just now');
    expect(relativeTime('2026-11-30T11:55:00Z', now)).toBe('5 min ago');
    expect(relativeTime('2026-11-30T15:00:00Z', now)).toBe('in 3 h');
    expect(relativeTime('2026-11-28T12:00:00Z', now)).toBe('2 d ago');
    expect(relativeTime(null, now)).toBe('-');
    expect(relativeTime('not a date', now)).toBe('not a date');
  });
  it('pads columns to the widest cell, the last one unpadded', () => {
    expect(table(['ID', 'NAME', 'STATE'], [['a1', 'level-one', 'active'], ['b22', 'x', 'sleeping']])).toBe(
      ['ID   NAME       STATE', 'a1   level-one  active', 'b22  x          sleeping'].join('\n'),
    );
  });
});
