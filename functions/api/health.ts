import { env } from '../config.ts';
import type { Dependencies } from '../dependencies.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { httpHandler } from '../http/handler.ts';
import { json } from '../http/response.ts';
import { logger } from '../logger.ts';
import { pingTable, tableFromEnvironment } from '../tasks/store.ts';

export function makeHandler({ table }: Pick<Dependencies, 'table'>) {
  const service = env.serviceName();
  const version = env.serviceVersion();
  return httpHandler(async () => {
    try {
      // A short leash: a health check must answer quickly even when the database does not.
      await pingTable(table, 2000);
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
}

export const handler = wiredAtFirstCall(() => makeHandler({ table: tableFromEnvironment() }));
