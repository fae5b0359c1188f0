import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isRunning, takeStartLock } from '../../scripts/start-lock';

/** A zombie: `sh` prints its pid and exits; `sleep`, exec'd in its parent's place, never reaps it. */
async function zombie(): Promise<{ pid: number; stop: () => void }> {
  const holder = spawn('bash', ['-c', 'sh -c "echo \\$\\$" & exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = Number(await new Promise<string>((resolve) => holder.stdout!.once('data', (d) => resolve(String(d).trim()))));
  for (;;) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return { pid, stop: () => holder.kill('SIGKILL') };
}

describe('the npm start lock', () => {
  const dirs: string[] = [];
  const stateDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'spark-lock-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('refuses a second start while the first runs, naming its pid, and frees the lock on release', () => {
    const dir = stateDir();
    const release = takeStartLock(dir);
    expect(() => takeStartLock(dir, 1)).toThrow(`Spark is already running from this folder (npm start, pid ${process.pid})`);
    release();
    expect(existsSync(join(dir, 'start.pid'))).toBe(false);
    takeStartLock(dir)();
  });

  it('takes over a lock left by a start that is gone', () => {
    const dir = stateDir();
    writeFileSync(join(dir, 'start.pid'), '2147483646'); // no such pid
    const release = takeStartLock(dir);
    expect(readFileSync(join(dir, 'start.pid'), 'utf8')).toBe(String(process.pid));
    release();
  });

  it('takes over a lock whose start was killed and is not reaped yet (a zombie)', async () => {
    const z = await zombie();
    try {
      expect(isRunning(z.pid)).toBe(false);
      const dir = stateDir();
      writeFileSync(join(dir, 'start.pid'), String(z.pid));
      takeStartLock(dir)();
    } finally {
      z.stop();
    }
  });

  it('counts a running process as running', () => {
    expect(isRunning(process.pid)).toBe(true);
  });
});
