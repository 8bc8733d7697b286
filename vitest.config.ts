import { defineConfig } from 'vitest/config';

// One test command for the whole repository; tests sit beside what they test.
// Browser tests (*.e2e.test.ts) share one Chromium and build step, so files run one at a time
// on this 2-core machine rather than fighting over the CPU.
export default defineConfig({
  test: {
    include: [
      'tiler/src/**/*.test.ts',
      'scripts/**/*.test.ts',
      'web/src/**/*.test.ts',
      'web/test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
