// `npm test`: type-check, then every vitest project (unit, then integration against the real
// Postgres, NATS and workerd). Ends with one plain line, "N passed, N failed", that CI reads.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

const extra = process.argv.slice(2);
const report = 'dist/test-report.json';
mkdirSync('dist', { recursive: true });
rmSync(report, { force: true });

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });

console.log('› type-check');
// The Worker's generated Env is current, then both programs (Worker, Node) check: see package.json.
const tsc = run('npm', ['run', '--silent', 'typecheck']);
if (tsc.status !== 0) {
  console.log('type-check failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const vitest = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra]);
let passed = 0;
let failed = 0;
try {
  const r = JSON.parse(readFileSync(report, 'utf8')) as { numPassedTests: number; numFailedTests: number; numTotalTestSuites: number; numFailedTestSuites: number };
  passed = r.numPassedTests;
  // A file that failed to load has no failed test in it; count it so the line never hides it.
  failed = r.numFailedTests + (r.numFailedTests === 0 && vitest.status !== 0 ? Math.max(1, r.numFailedTestSuites) : 0);
} catch {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(vitest.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
