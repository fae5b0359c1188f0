// `spark`: the developer's command line for a Spark edge, over its HTTP API only.
//   npm run spark -- <command> …   (or `spark …` once linked: package.json "bin")
// Exit codes: 0 ok, 1 failure, 2 a command line that cannot be run (the message names the argument).
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { realpathSync } from 'node:fs';
import { commands } from './commands/index';
import { createContext, GLOBAL_OPTIONS, type Command, type CommandGroup, type OptionSpec } from './command';
import { CliError, UsageError } from './errors';
import { createOutput } from './output';

const VALUE_OPTIONS = new Set(Object.entries(GLOBAL_OPTIONS).filter(([, o]) => o.type === 'string').map(([k]) => `--${k}`));

/** Runs one command line; resolves with the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const json = argv.includes('--json');
  try {
    const words = wordsOf(argv);
    const groupName = words[0];
    if (groupName === undefined || groupName.value === 'help') {
      const about = groupName && words[1] ? findGroup(words[1].value) : undefined;
      process.stdout.write(about ? groupHelp(about) : topHelp());
      return groupName || argv.includes('--help') ? 0 : 2;
    }
    const group = findGroup(groupName.value);
    let command: Command;
    let name = group.name;
    let rest = without(argv, groupName.index);
    if ('subcommands' in group) {
      const sub = words[1];
      if (!sub) {
        process.stdout.write(groupHelp(group));
        return argv.includes('--help') ? 0 : 2;
      }
      const found = group.subcommands[sub.value];
      if (!found) throw new UsageError(`unknown command '${group.name} ${sub.value}' (try: ${Object.keys(group.subcommands).join(', ')})`);
      command = found;
      name = `${group.name} ${sub.value}`;
      rest = without(argv, groupName.index, sub.index);
    } else {
      command = group.command;
    }
    if (rest.includes('--help')) {
      process.stdout.write(commandHelp(name, command));
      return 0;
    }
    const { values, positionals } = parseOrUsage(rest, { ...GLOBAL_OPTIONS, ...command.options });
    const args = positionalsOf(name, command.args ?? [], positionals);
    const global = { json: values.json === true, project: values.project as string | undefined, edge: values.edge as string | undefined };
    const ctx = createContext(createOutput(global.json), env, global);
    return (await command.run(ctx, args, values)) ?? 0;
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`spark: ${err.message}\n`);
      if (err instanceof UsageError) process.stderr.write("run 'spark help' for the commands\n");
      if (json) process.stdout.write(`${JSON.stringify({ error: { code: err instanceof UsageError ? 'usage' : 'failed', message: err.message } })}\n`);
      return err.exitCode;
    }
    process.stderr.write(`spark: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

/** The words of the command line that are not options (nor an option's value), with their places. */
function wordsOf(argv: string[]) {
  const words: { value: string; index: number }[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) words.push({ value: a, index: i });
  }
  return words;
}

const without = (argv: string[], ...indexes: number[]) => argv.filter((_, i) => !indexes.includes(i));

function findGroup(name: string): CommandGroup {
  const group = commands.find((g) => g.name === name);
  if (!group) throw new UsageError(`unknown command '${name}' (try: ${commands.map((g) => g.name).join(', ')})`);
  return group;
}

function parseOrUsage(args: string[], options: Record<string, OptionSpec>) {
  try {
    return parseArgs({ args, options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type }])), allowPositionals: true, strict: true });
  } catch (err) {
    // node's messages name the option: "Unknown option '--foo'", "Option '--since <value>' argument missing".
    throw new UsageError((err as Error).message.split('. ')[0]!.replace(/^Unknown option/, 'unknown option'));
  }
}

function positionalsOf(name: string, spec: string[], given: string[]): Record<string, string | undefined> {
  const args: Record<string, string | undefined> = {};
  spec.forEach((s, i) => {
    const optional = s.endsWith('?');
    const key = optional ? s.slice(0, -1) : s;
    if (given[i] === undefined && !optional) throw new UsageError(`${name}: missing ${key}`);
    args[key] = given[i];
  });
  if (given.length > spec.length) throw new UsageError(`${name}: unexpected argument '${given[spec.length]}'`);
  return args;
}

// ── help ─────────────────────────────────────────────────────────────────────────────────────

function topHelp() {
  const lines = ['spark: a Spark edge from the terminal', '', 'commands:'];
  for (const g of commands) lines.push(`  ${g.name.padEnd(10)} ${g.summary}`);
  lines.push('', 'options for every command:', ...optionLines(GLOBAL_OPTIONS), '', "'spark help COMMAND' for more.", '');
  return lines.join('\n');
}

function groupHelp(g: CommandGroup) {
  if ('command' in g) return commandHelp(g.name, g.command);
  const lines = [`spark ${g.name}: ${g.summary}`, ''];
  for (const [sub, c] of Object.entries(g.subcommands)) lines.push(`  spark ${g.name} ${sub}${usageArgs(c)}`, `      ${c.summary}`);
  return `${lines.join('\n')}\n`;
}

function commandHelp(name: string, c: Command) {
  const lines = [`usage: spark ${name}${usageArgs(c)}`, '', c.summary];
  if (c.options) lines.push('', 'options:', ...optionLines(c.options));
  lines.push('', 'and:', ...optionLines(GLOBAL_OPTIONS), '');
  return lines.join('\n');
}

const usageArgs = (c: Command) => (c.args ?? []).map((a) => (a.endsWith('?') ? ` [${a.slice(0, -1)}]` : ` ${a}`)).join('');
const optionLines = (opts: Record<string, OptionSpec>) => Object.entries(opts).map(([k, o]) => `  --${`${k}${o.value ? ` ${o.value}` : ''}`.padEnd(22)} ${o.help}`);

const invokedDirectly = (() => {
  try {
    return realpathSync(process.argv[1] ?? '') === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
