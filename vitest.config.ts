import { defineConfig } from 'vitest/config';

// Two projects: "devices" needs no Temporal server (units, drivers against their real peers, database);
// "temporal" runs against one real dev server started once per run by the global setup.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Temporal's native core and child processes behave best in forked workers.
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'devices',
          include: ['test/unit/**/*.test.ts', 'test/drivers/**/*.test.ts', 'test/sim/**/*.test.ts', 'test/db/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'temporal',
          include: ['test/workflows/**/*.test.ts', 'test/api/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/cli/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
