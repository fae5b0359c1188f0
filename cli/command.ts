// What a command is, and what it is given. Each group of commands is one module in
// cli/commands/ registered in cli/commands/index.ts; main.ts parses, dispatches and maps errors.
import type { ProjectView } from '../contracts/api';
import { SparkApi } from './api';
import { readLogin } from './config';
import { CliError, UsageError } from './errors';
import type { Output } from './output';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Shown in help: "--since T  only events from T on". */
  help: string;
  value?: string;
}

export interface Command {
  summary: string;
  /** Positional arguments in order; an optional one ends with `?` ("TTL?"). */
  args?: string[];
  options?: Record<string, OptionSpec>;
  /** Resolves with the exit code when it is not 0 (a result printed, and yet a failure). */
  run(ctx: Context, args: Record<string, string | undefined>, options: Record<string, string | boolean | undefined>): Promise<void | number>;
}

/** A top-level word: one command (`stats`) or a group of subcommands (`sessions list`). */
export type CommandGroup = { name: string; summary: string } & ({ command: Command } | { subcommands: Record<string, Command> });

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'machine-readable output: one JSON document (NDJSON for streams)' },
  project: { type: 'string', value: 'P', help: 'the project (id or name); default: the one chosen at login' },
  edge: { type: 'string', value: 'URL', help: 'the edge to talk to (login: where to log in)' },
  help: { type: 'boolean', help: 'show help' },
};

export interface Context {
  out: Output;
  env: NodeJS.ProcessEnv;
  global: { json: boolean; project?: string; edge?: string };
  /** The API client for the stored login (or SPARK_URL + SPARK_TOKEN). */
  api(): Promise<SparkApi>;
  /** The project to act on: --project, SPARK_PROJECT, the login's, or the caller's only one. */
  project(): Promise<{ id: string; name: string }>;
}

export function createContext(out: Output, env: NodeJS.ProcessEnv, global: Context['global']): Context {
  let api: SparkApi | undefined;
  let defaultProject: string | undefined;
  const ctx: Context = {
    out,
    env,
    global,
    async api() {
      if (api) return api;
      const edgeFromEnv = env.SPARK_URL?.replace(/\/$/, '');
      if (edgeFromEnv && env.SPARK_TOKEN) {
        api = new SparkApi({ edge: edgeFromEnv, kind: 'token', token: env.SPARK_TOKEN }, false);
        return api;
      }
      const login = await readLogin(env);
      if (!login) throw new CliError('not logged in: run `spark login --edge URL` (or set SPARK_URL and SPARK_TOKEN)');
      if (global.edge && normalEdge(global.edge) !== login.edge) throw new UsageError(`--edge ${global.edge}: logged in to ${login.edge}, not there; run \`spark login --edge ${global.edge}\``);
      defaultProject = login.project_id;
      api = new SparkApi(login, true);
      return api;
    },
    async project() {
      const client = await ctx.api();
      const wanted = global.project ?? env.SPARK_PROJECT ?? defaultProject;
      const { items } = await client.json<{ items: ProjectView[] }>('GET', '/api/projects');
      if (wanted) {
        const found = items.find((p) => p.id === wanted) ?? items.filter((p) => p.name === wanted).at(0);
        if (!found) throw new UsageError(`--project ${wanted}: no such project for this login (${projectNames(items)})`);
        return found;
      }
      if (items.length === 1) return items[0]!;
      if (items.length === 0) throw new CliError('this login belongs to no project yet: create one in the web UI');
      throw new UsageError(`--project is needed: this login has several projects (${projectNames(items)})`);
    },
  };
  return ctx;
}

const projectNames = (items: ProjectView[]) => (items.length ? items.map((p) => `${p.name} = ${p.id}`).join(', ') : 'none');

/** "https://spark.example.com/" and "https://spark.example.com" are the same edge. */
export function normalEdge(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--edge ${url}: not a URL (e.g. https://spark.example.com)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--edge ${url}: must be an http(s) URL`);
  return u.origin;
}
