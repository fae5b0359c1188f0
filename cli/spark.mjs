#!/usr/bin/env node
// The `spark` command (package.json "bin"): runs cli/main.ts through tsx, a dependency of the package.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
