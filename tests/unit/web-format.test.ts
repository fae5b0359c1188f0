import { describe, expect, it } from 'vitest';
import { baseName, formatBytes, formatCountdown, formatMs, formatPercent, opLabel, relativeTime, shortSha } from '../../web/src/lib/format';
import { parseRoute, paths, safeNext } from '../../web/src/lib/routes';

describe('web formatting', () => {
  it('formats durations for people', () => {
    expect(formatMs(undefined)).toBe('—');
    expect(formatMs(-1)).toBe('—');
    expect(formatMs(0.4)).toBe('<1 ms');
    expect(formatMs(42.4)).toBe('42 ms');
    expect(formatMs(999.6)).toBe('1000 ms');
    expect(formatMs(1234)).toBe('1.2 s');
    expect(formatMs(12_400)).toBe('12 s');
    expect(formatMs(125_000)).toBe('2 min 5 s');
    expect(formatMs(120_000)).toBe('2 min');
    expect(formatMs(3_720_000)).toBe('1 h 2 min');
  });

  it('formats sizes, percentages, names and hashes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(24_117_248)).toBe('23 MB');
    expect(formatBytes(null)).toBe('—');
    expect(formatPercent(0.423)).toBe('42%');
    expect(formatPercent(1.7)).toBe('100%');
    expect(formatPercent(undefined)).toBe('');
    expect(opLabel('generate_script')).toBe('Generate script');
    expect(opLabel('run_build')).toBe('Run build');
    expect(baseName('Assets/Scripts/Player.cs')).toBe('Player.cs');
    expect(baseName('Player.cs')).toBe('Player.cs');
    expect(shortSha('abcdef0123456789')).toBe('abcdef01');
    expect(shortSha(null)).toBe('—');
  });

  it('says how long ago, and counts down', () => {
    const now = Date.parse('2026-05-01T12:00:00Z');
    expect(relativeTime(now - 10_000, now)).toBe('just now');
    expect(relativeTime(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(relativeTime(now + 5 * 60_000, now)).toBe('in 5 min');
    expect(relativeTime(new Date(now - 3 * 3_600_000).toISOString(), now)).toBe('3 h ago');
    expect(relativeTime(now - 86_400_000, now)).toBe('1 day ago');
    expect(relativeTime(now - 3 * 86_400_000, now)).toBe('3 days ago');
    expect(relativeTime(null, now)).toBe('—');
    expect(relativeTime('not a date', now)).toBe('—');
    expect(formatCountdown(now + 600_000, now)).toBe('10:00');
    expect(formatCountdown(now + 65_500, now)).toBe('1:05');
    expect(formatCountdown(now + 3_725_000, now)).toBe('1:02:05');
    expect(formatCountdown(now - 1, now)).toBe('expired');
  });
});

describe('web routes', () => {
  const p = '7b0c6a4e-8d2f-4c1a-9f3e-2a5b6c7d8e9f';
  const s = '0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f';
  it('parses every page', () => {
    expect(parseRoute('/')).toEqual({ name: 'projects' });
    expect(parseRoute('/projects/')).toEqual({ name: 'projects' });
    expect(parseRoute(`/projects/${p}`)).toEqual({ name: 'project', projectId: p });
    expect(parseRoute(`/projects/${p}/sessions/${s}`)).toEqual({ name: 'session', projectId: p, sessionId: s });
    expect(parseRoute('/login', `?next=${encodeURIComponent(paths.project(p))}`)).toEqual({ name: 'login', next: `/projects/${p}` });
    expect(parseRoute('/signup')).toEqual({ name: 'signup', next: null });
    expect(parseRoute(paths.chips(p))).toEqual({ name: 'chips', projectId: p });
    expect(parseRoute('/projects/a/b')).toEqual({ name: 'not-found', path: '/projects/a/b' });
    expect(parseRoute('/projects/<script>')).toMatchObject({ name: 'not-found' });
  });

  it('only goes back to same-origin paths after logging in', () => {
    expect(safeNext('/projects')).toBe('/projects');
    expect(safeNext('//evil.example/x')).toBeNull();
    expect(safeNext('/\\evil.example')).toBeNull();
    expect(safeNext('https://evil.example')).toBeNull();
    expect(safeNext('/login')).toBeNull();
    expect(safeNext(null)).toBeNull();
    expect(paths.login('/projects/x')).toBe('/login?next=%2Fprojects%2Fx');
  });
});
