import { env } from '../config.ts';
import { httpHandler } from '../http/handler.ts';
import { json } from '../http/response.ts';
import { logger } from '../logger.ts';
import { documentClient, TaskStore } from '../tasks/store.ts';

// A short leash: a health check must answer quickly even when the database does not.
const store = new TaskStore(
  documentClient({
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 },
  }),
  env.tableName(),
  env.retentionDays() * 86_400,
);
const service = env.serviceName();
const version = env.serviceVersion();

export const handler = httpHandler(async () => {
  try {
    await store.ping();
    return json(200, { service, status: 'ok', version, checks: { database: 'ok' } });
  } catch (error) {
    logger.error('Database unreachable', error as Error);
    return json(503, {
      service,
      status: 'unavailable',
      version,
      checks: { database: 'unavailable' },
      error: 'The database cannot be reached',
      code: 'database_unavailable',
    });
  }
});
