// The agent's logger: one line per message on stderr, structured extras as JSON.

export interface Logger {
  debug(msg: string, extra?: Record<string, unknown>): void;
  info(msg: string, extra?: Record<string, unknown>): void;
  warn(msg: string, extra?: Record<string, unknown>): void;
  error(msg: string, extra?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function consoleLogger(opts: { debug?: boolean; stream?: NodeJS.WritableStream } = {}): Logger {
  const out = opts.stream ?? process.stderr;
  const line = (level: string, msg: string, extra?: Record<string, unknown>) => {
    const tail = extra && Object.keys(extra).length > 0 ? ` ${JSON.stringify(extra)}` : '';
    out.write(`${new Date().toISOString()} ${level.padEnd(5)} ${msg}${tail}\n`);
  };
  return {
    debug: (m, e) => (opts.debug ? line('debug', m, e) : undefined),
    info: (m, e) => line('info', m, e),
    warn: (m, e) => line('warn', m, e),
    error: (m, e) => line('error', m, e),
  };
}

/** An error's message for a log line or a person (never a stack). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
