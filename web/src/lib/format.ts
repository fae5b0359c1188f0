// Small, pure formatting helpers for the UI (unit-tested in tests/unit/web-format.test.ts).

/** A duration in milliseconds, short and human: "<1 ms", "850 ms", "1.2 s", "2 min 5 s". */
export function formatMs(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const totalS = Math.round(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return s > 0 ? `${m} min ${s} s` : `${m} min`;
}

/** Bytes as "512 B", "1.5 KB", "12 MB" (powers of 1024). */
export function formatBytes(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n) || n < 0) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

const toMs = (t: string | number | Date): number => (t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t));

/** "just now", "in 5 min", "3 h ago", then a date. `now` is epoch ms. */
export function relativeTime(t: string | number | Date | null | undefined, now = Date.now()): string {
  if (t === null || t === undefined) return '—';
  const ms = toMs(t);
  if (!Number.isFinite(ms)) return '—';
  const diff = ms - now;
  const abs = Math.abs(diff);
  const fmt = (n: number, unit: string) => (diff < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`);
  if (abs < 45_000) return diff < 0 || abs < 5_000 ? 'just now' : 'in a moment';
  if (abs < 3_600_000) return fmt(Math.max(1, Math.round(abs / 60_000)), 'min');
  if (abs < 86_400_000) return fmt(Math.round(abs / 3_600_000), 'h');
  if (abs < 7 * 86_400_000) return fmt(Math.round(abs / 86_400_000), abs < 1.5 * 86_400_000 ? 'day' : 'days');
  return new Date(ms).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** A full local date-time for tooltips and <time> titles. */
export function formatDateTime(t: string | number | Date | null | undefined): string {
  if (t === null || t === undefined) return '—';
  const ms = toMs(t);
  if (!Number.isFinite(ms)) return '—';
  return new Date(ms).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Time left until `deadline` as "m:ss" (or "h:mm:ss"); "expired" once it has passed. */
export function formatCountdown(deadline: string | number, now = Date.now()): string {
  const left = Math.floor((toMs(deadline) - now) / 1000);
  if (!Number.isFinite(left) || left <= 0) return 'expired';
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = String(left % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** An operation name for people: "generate_script" → "Generate script". */
export function opLabel(name: string): string {
  const words = name.replace(/[_.-]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : name;
}

/** 0..1 → "42%" (clamped); undefined → "". */
export function formatPercent(p: number | undefined | null): string {
  if (p === undefined || p === null || !Number.isFinite(p)) return '';
  return `${Math.round(Math.min(1, Math.max(0, p)) * 100)}%`;
}

/** The file name of a path: "Assets/Scripts/Player.cs" → "Player.cs". */
export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** A short hash for display: first 8 hex characters. */
export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 8) : '—';
}
