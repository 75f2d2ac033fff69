import { defineConfig } from 'vitest/config';

/**
 * One project per kind of test, each with only what it needs, so `vitest run --project unit` starts nothing:
 * - unit: pure code, in-process; no emulator, no child process.
 * - integration: against the moto emulator (one server for the run, test/support/globalSetup.ts) or a
 *   spawned Python process (the Glue worker's protocol, against a test double).
 * - infra: the Pulumi program under Pulumi's mocks.
 * - e2e: the `ndjson-parquet` command as a user runs it; each run starts its own emulator and Spark.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: ['test/support/globalSetup.ts'] },
      },
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'] } },
      {
        extends: true,
        // The Spark workers the CLI starts inherit this: tiny jobs, so a JVM that starts quickly (glue/ndjson_parquet/session.py).
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], env: { NDJSON_PARQUET_SPARK_QUICK_START: '1' } },
      },
    ],
  },
});
