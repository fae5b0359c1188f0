// What the CLI prints: human text by default (tables, relative times), one JSON document with
// --json (NDJSON for streams), and progress of long work on stderr so stdout stays the result.

export interface Output {
  json: boolean;
  /** The command's result: `human()` as text, or `data` as one JSON document. */
  result(data: unknown, human: () => string): void;
  /** One item of a stream: a line of text, or one NDJSON line. */
  item(data: unknown, human: () => string): void;
  /** A note for the person (stderr), never part of the result. */
  note(text: string): void;
  progress(render: () => string): Progress;
}

export interface Progress {
  /** Redraws at most a few times a second. */
  tick(): void;
  /** The final line. */
  done(text?: string): void;
}

export function createOutput(json: boolean, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  return {
    json,
    result(data, human) {
      stdout.write(json ? `${JSON.stringify(data)}\n` : withNewline(human()));
    },
    item(data, human) {
      stdout.write(json ? `${JSON.stringify(data)}\n` : withNewline(human()));
    },
    note(text) {
      stderr.write(withNewline(text));
    },
    progress(render) {
      // On a terminal one line redrawn in place; in a pipe or a log a line now and then.
      const tty = Boolean(stderr.isTTY);
      const every = tty ? 200 : 2000;
      let last = 0;
      let drawn = false;
      return {
        tick() {
          const now = Date.now();
          if (now - last < every) return;
          last = now;
          drawn = true;
          stderr.write(tty ? `\r${render()}\x1b[K` : `${render()}\n`);
        },
        done(text) {
          if (tty && drawn) stderr.write('\r\x1b[K');
          stderr.write(withNewline(text ?? render()));
        },
      };
    },
  };
}

const withNewline = (s: string) => (s === '' || s.endsWith('\n') ? s : `${s}\n`);

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** "just now", "5 min ago", "in 3 h", "2 d ago"; "-" for none. */
export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((t - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return 'just now';
  const [n, unit] = abs < 3600 ? [Math.round(abs / 60), 'min'] : abs < 86400 ? [Math.round(abs / 3600), 'h'] : [Math.round(abs / 86400), 'd'];
  return s < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

export const formatCount = (n: number) => n.toLocaleString('en-US');
export const formatRate = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);
export const formatMiB = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
