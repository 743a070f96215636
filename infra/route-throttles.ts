import { ROUTES } from '../functions/catalog.ts';

/** API Gateway's target for one route: a token bucket of `burstLimit` refilled at `rateLimit`/s. */
export interface RouteThrottle {
  rateLimit: number;
  burstLimit: number;
}

/** Throttles by route name (the catalog's `name`: CreateTask, GetTaskStatus…). */
export type RouteThrottles = Readonly<Record<string, RouteThrottle>>;

/** The CDK context key that overrides some or all of DEFAULT_ROUTE_THROTTLES. */
export const ROUTE_THROTTLES_CONTEXT = 'apiRouteThrottles';

/**
 * Each route's throttle, sized by what stands behind it with the default quotas of
 * us-east-1 (README, "Capacity and ceilings"); their rates add up to 7,450 requests/s,
 * inside the account's 10,000 shared by every API of the account and region:
 * - CreateTask: every create is a StartExecution, a bucket of 1,300 refilled at 300/s;
 *   past it a create fails with 503. Raise both for 1,000 creates/s.
 * - GetTaskStatus: 10,000 running tasks polled every 2 s; one GetItem each.
 * - GetTaskResult: about once per finished task, so the create rate with room for retries.
 * - ListTasks: a page is up to 16 index queries and a BatchGetItem; a dashboard asks once a second.
 * - GetTaskTotals: 8 or 32 counter items in one BatchGetItem, once per dashboard refresh.
 * - GetTask: one GetItem per task page view and its refreshes.
 * - CancelTask, DeleteTask: each a StopExecution (bucket 1,000, refilled at 200/s), shared.
 * - Health: monitors, not clients.
 * Quotas: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
 */
export const DEFAULT_ROUTE_THROTTLES: RouteThrottles = Object.freeze({
  CreateTask: { rateLimit: 300, burstLimit: 1_000 },
  GetTaskStatus: { rateLimit: 5_000, burstLimit: 2_500 },
  GetTaskResult: { rateLimit: 1_000, burstLimit: 1_000 },
  ListTasks: { rateLimit: 200, burstLimit: 400 },
  GetTaskTotals: { rateLimit: 200, burstLimit: 400 },
  GetTask: { rateLimit: 500, burstLimit: 500 },
  CancelTask: { rateLimit: 100, burstLimit: 500 },
  DeleteTask: { rateLimit: 100, burstLimit: 500 },
  Health: { rateLimit: 50, burstLimit: 100 },
});

/** API Gateway's account-level ceilings for every API of an account in a region (default). */
export const ACCOUNT_THROTTLE: RouteThrottle = { rateLimit: 10_000, burstLimit: 5_000 };

export class RouteThrottlesError extends Error {
  constructor(expected: string, got: unknown) {
    super(
      `Invalid setting "${ROUTE_THROTTLES_CONTEXT}": expected ${expected}, got ${JSON.stringify(got)}`,
    );
    this.name = 'SettingsError';
  }
}

/**
 * The defaults with `value`'s routes replaced, from cdk.json (an object) or `-c` (its JSON
 * text), e.g. `{"CreateTask": {"rateLimit": 1000, "burstLimit": 2000}}`. Every value is
 * checked: known route names only, a rate above 0 up to the account's 10,000/s, a whole
 * burst from 0 to the account's 5,000.
 */
export function parseRouteThrottles(value: unknown): RouteThrottles {
  if (value === undefined) return DEFAULT_ROUTE_THROTTLES;
  let given = value;
  if (typeof value === 'string') {
    try {
      given = JSON.parse(value);
    } catch {
      throw new RouteThrottlesError('a JSON object', value);
    }
  }
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new RouteThrottlesError('an object of route names to throttles', value);
  }
  const names = ROUTES.map((route) => route.name);
  const throttles: Record<string, RouteThrottle> = { ...DEFAULT_ROUTE_THROTTLES };
  for (const [name, throttle] of Object.entries(given)) {
    if (!names.includes(name))
      throw new RouteThrottlesError(`a route of ${names.join(', ')}`, name);
    throttles[name] = checkThrottle(name, throttle);
  }
  return Object.freeze(throttles);
}

function checkThrottle(name: string, throttle: unknown): RouteThrottle {
  const { rateLimit, burstLimit } = (throttle ?? {}) as Partial<Record<string, unknown>>;
  const expected = `${name}: {"rateLimit": above 0 up to 10000, "burstLimit": a whole number from 0 to 5000}`;
  const rate = typeof rateLimit === 'number' ? rateLimit : Number.NaN;
  const burst = typeof burstLimit === 'number' ? burstLimit : Number.NaN;
  if (
    typeof throttle !== 'object' ||
    throttle === null ||
    Object.keys(throttle).some((key) => key !== 'rateLimit' && key !== 'burstLimit') ||
    !(rate > 0 && rate <= ACCOUNT_THROTTLE.rateLimit) ||
    !(Number.isInteger(burst) && burst >= 0 && burst <= ACCOUNT_THROTTLE.burstLimit)
  ) {
    throw new RouteThrottlesError(expected, throttle);
  }
  return { rateLimit: rate, burstLimit: burst };
}
