// One `npm start` per checkout: a second one would share .spark/ (the embedded database, the
// persisted Durable Objects and the ingest log) and take the first one's port.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Takes `<stateDir>/start.pid` for this process, or throws naming the start that holds it. Returns the release. */
export function takeStartLock(stateDir: string, pid = process.pid): () => void {
  const lock = join(stateDir, 'start.pid');
  mkdirSync(stateDir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(pid));
      closeSync(fd);
      return () => rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
        throw new Error(`Spark is already running from this folder (npm start, pid ${holder}). Stop it first (Ctrl-C in its terminal, or kill ${holder}).`);
      }
      rmSync(lock, { force: true }); // left by a start that was killed
    }
  }
  throw new Error(`could not take ${lock}`);
}

/** Whether the process runs. A killed one stays a zombie until it is reaped (seconds, here): signal 0 still reaches it, but it holds nothing. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // "pid (comm) state ...": comm may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc (macOS): signal 0 is all there is
  }
}
