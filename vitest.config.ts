import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration and browser tests each run a local service with its own JVM; two at a time fit the machine.
    maxWorkers: 2,
    env: {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          // Files share a worker and its module cache instead of a fresh worker each: the
          // SDK and Powertools load once per worker. So no file may leave state behind:
          // mocks stub client instances, never classes, and stubbed variables and globals
          // are undone after each test.
          isolate: false,
          unstubEnvs: true,
          unstubGlobals: true,
        },
      },
      {
        extends: true,
        test: {
          name: 'services',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/unit/**'],
        },
      },
    ],
  },
});
