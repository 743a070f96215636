import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { env } from '../../functions/config.ts';

const packageName = () =>
  (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      name: string;
    }
  ).name;

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the service name', () => {
  it('is the package name when the environment names none, as the stack names it', () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', undefined);
    expect(env.serviceName()).toBe(packageName());
  });

  it('is the one the environment names', () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'tasks-service-prod');
    expect(env.serviceName()).toBe('tasks-service-prod');
  });
});
