import { defineConfig } from 'vitest/config';

// The engine tests run in Node: they read ../tests/vectors/engine.json and
// spawn the C++ CLI (see test/engine/cli.ts for how it is located).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // The property test spawns the CLI a few hundred times; the machine is
    // small and shared, so one worker at a time and generous timeouts.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
