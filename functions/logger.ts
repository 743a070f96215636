import { Logger } from '@aws-lambda-powertools/logger';
import { env } from './config.ts';

/** Structured JSON logs; level from POWERTOOLS_LOG_LEVEL, service as the config names it. */
export const logger = new Logger({ serviceName: env.serviceName() });
