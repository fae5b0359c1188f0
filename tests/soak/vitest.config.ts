import { defineConfig } from 'vitest/config';

// `npm run test:soak`: 100 sessions over one agent for SOAK_MINUTES (default 10). Not part of `npm test`.
const minutes = Number(process.env.SOAK_MINUTES ?? 10);
export default defineConfig({
  test: {
    include: ['tests/soak/**/*.test.ts'],
    environment: 'node',
    testTimeout: minutes * 60_000 + 300_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    // The Worker bundle and web/dist, built as npm test builds them, so the soak runs on a fresh clone.
    globalSetup: ['tests/support/global-setup.ts'],
  },
});
