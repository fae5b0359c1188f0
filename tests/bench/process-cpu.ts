// CPU seconds of the processes a bench run crosses, read from /proc (Linux): the isolate's own
// profile (worker-profile.ts) cannot see workerd's work outside JavaScript, nor Postgres.
import { readdirSync, readFileSync } from 'node:fs';

interface Stat {
  comm: string;
  ppid: number;
  /** utime + stime, seconds. */
  own: number;
  /** cutime + cstime, seconds: children that ended and were reaped (Postgres backends that closed). */
  reaped: number;
}

const TICKS = 100; // USER_HZ on Linux

function stat(pid: string): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' ');
    return { comm, ppid: Number(f[1]), own: (Number(f[11]) + Number(f[12])) / TICKS, reaped: (Number(f[13]) + Number(f[14])) / TICKS };
  } catch {
    return null; // ended between the listing and the read
  }
}

export interface CpuReading {
  /** The workerd processes this bench started (edge, local queue and consumer share one thread). */
  workerd: number;
  /** Every Postgres process of the machine, with the backends that ended since (the bench runs alone). */
  postgres: number;
  /** This process: the producers, and the session pool the bench runs in it. */
  bench: number;
}

/** A reading now, or null where /proc is not there. */
export function readCpu(): CpuReading | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return null;
  }
  const stats = new Map(pids.map((p) => [Number(p), stat(p)] as const));
  let workerd = 0;
  let postgres = 0;
  for (const s of stats.values()) {
    if (!s) continue;
    if (s.comm === 'workerd' && s.ppid === process.pid) workerd += s.own;
    if (s.comm === 'postgres') {
      postgres += s.own;
      // The postmaster (parent not a postgres process) holds the time of its reaped backends.
      if (stats.get(s.ppid)?.comm !== 'postgres') postgres += s.reaped;
    }
  }
  const me = process.cpuUsage();
  return { workerd, postgres, bench: (me.user + me.system) / 1e6 };
}

/** CPU seconds spent between two readings. */
export function cpuBetween(a: CpuReading | null, b: CpuReading | null): CpuReading | null {
  if (!a || !b) return null;
  return { workerd: b.workerd - a.workerd, postgres: b.postgres - a.postgres, bench: b.bench - a.bench };
}
