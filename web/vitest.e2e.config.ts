import { defineConfig } from 'vitest/config';

// End-to-end tests (npm run test:e2e): Debian's Chromium against a real
// `metronome up`, started once by e2e/global_setup.ts. One file at a time:
// the machine is small and the timings matter.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['e2e/global_setup.ts'],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    reporters: ['default', './e2e/summary_reporter.ts'],
  },
});
