import { defineConfig } from 'vitest/config';

// `npm run test:fuzz`: generated hostile input (≥100,000 per run) against the real Worker in
// workerd with a real Postgres. Not part of `npm test`: it takes minutes on a 2-core machine.
export default defineConfig({
  test: {
    include: ['tests/fuzz/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
