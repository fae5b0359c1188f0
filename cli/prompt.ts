// Reading a line from the person: echoed (an email) or not (a password). Without a terminal
// (a script piping the password in), the line is read from stdin as is.
import { createInterface } from 'node:readline';

export async function askLine(question: string, input: NodeJS.ReadStream = process.stdin): Promise<string> {
  const rl = createInterface({ input, output: process.stderr, terminal: Boolean(input.isTTY) });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.question(question, resolve);
      rl.once('close', () => reject(new Error('no input')));
    });
  } finally {
    rl.close();
  }
}

/** Reads a secret without echoing it on a terminal; from a pipe, its first line. */
export async function askSecret(question: string, input: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (!input.isTTY) return firstLine(input);
  process.stderr.write(question);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            input.off('data', onData);
            process.stderr.write('\n');
            return resolve(value);
          }
          if (ch === '\u0003') {
            input.off('data', onData);
            process.stderr.write('\n');
            return reject(new Error('cancelled'));
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
  }
}

async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += String(chunk);
    const nl = text.indexOf('\n');
    if (nl >= 0) return text.slice(0, nl).replace(/\r$/, '');
  }
  return text;
}
