import { env } from '../config.ts';
import { httpHandler } from '../http/handler.ts';
import { json } from '../http/response.ts';
import { logger } from '../logger.ts';
import { taskStore } from '../tasks/store.ts';

const store = taskStore();
const service = env.serviceName();
const version = env.serviceVersion();

export const handler = httpHandler(async () => {
  try {
    // A short leash: a health check must answer quickly even when the database does not.
    await store.ping(2000);
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
