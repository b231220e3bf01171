import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Many tests run the real CLI several times (each start costs 1–4 s through tsx) or wait for
    // real hosts: under a full run on 2 cores some took 19 s of a 30 s limit.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // A poll waits for what a real process, host or browser does: on a loaded 2-core machine that can take seconds.
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    maxWorkers: 2,
  },
});
