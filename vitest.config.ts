import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Files that fork measured processes compare host IPC objects before and
    // after, and time windows on 2 CPUs: run files one at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
