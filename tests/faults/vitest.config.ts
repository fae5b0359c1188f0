import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the local stack under crashes and a database outage. Not part of
// `npm test` (it runs `npm start` itself, with a Postgres cluster of its own, for a few minutes).
export default defineConfig({
  test: {
    include: ['tests/faults/**/*.test.ts'],
    environment: 'node',
    testTimeout: 240_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    // The agent faults start the Worker bundle in workerd: build it (and web/dist, its assets) first,
    // as npm test does, so the suite runs on a fresh clone.
    globalSetup: ['tests/support/global-setup.ts'],
  },
});
