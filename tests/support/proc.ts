// What Linux's /proc says of a process: its resident memory, and the workerd processes Miniflare
// started for this test process (its children), for the suites that watch memory.
import { readdirSync, readFileSync } from 'node:fs';

/** Resident set size in MiB; NaN once the process is gone. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** The workerd processes whose parent is this process. */
export function workerdPids(parent = process.pid): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S (\d+)/.exec(stat);
      if (m && m[1] === 'workerd' && Number(m[2]) === parent) pids.push(Number(d));
    } catch {
      // gone
    }
  }
  return pids;
}
