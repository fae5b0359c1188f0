#!/usr/bin/env node
// `spark-agent pair|start|status`: the agent's CLI, run through tsx's loader (the agent ships as
// TypeScript; no build step on the Unity machine).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./cli.ts');
runCli();
