import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Limits catch a hang; they never measure speed (benchmarks do: bench/). Many tests run the real
    // CLI several times or wait for real hosts, Podman, PostgreSQL or a browser: in a full run on a
    // two-core machine that something else keeps busy, a few took 55–60 s. A test that needs more
    // says so itself.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // A poll waits for what a real process, host or browser does: on a loaded 2-core machine that can take many seconds.
    expect: { poll: { timeout: 30_000 } },
    // One worker process per core. Each test file already runs several processes of its own (the
    // CLI, services, sshd, Podman, PostgreSQL, chromium), so more workers than cores would only
    // make them wait for each other; fewer would leave a core idle while a file waits on I/O.
    pool: 'forks',
    maxWorkers: 2,
  },
});
