#!/usr/bin/env node
// `spark-agent pair|start|status`: the agent's CLI, run through tsx's loader (the agent ships as
// TypeScript; no build step on the Unity machine).
import { register } from 'tsx/esm/api';

register();
const { main, EXIT } = await import('./cli.ts');
const { errorMessage } = await import('./config.ts');
main(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  env: process.env,
  fetch,
}).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`spark-agent: ${errorMessage(err)}\n`);
    process.exit(EXIT.failed);
  },
);
