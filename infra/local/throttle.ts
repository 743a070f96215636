import type { RouteThrottles } from '../route-throttles.ts';

/** What API Gateway answers a throttled request with; its function is never invoked. */
export const TOO_MANY_REQUESTS = {
  status: 429,
  body: JSON.stringify({ message: 'Too Many Requests' }),
} as const;

/**
 * API Gateway's route throttling as a token bucket per route: a bucket holds up to the
 * route's burst limit, refills at its rate limit per second, starts full, and each request
 * takes one token or is throttled
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html).
 * API Gateway applies its limits on a best-effort basis, spread over its fleet; this is the
 * exact algorithm on one machine. Routes without a throttle are never throttled.
 * Returns `take(routeName)`: true when the request may go on.
 */
export function routeTokenBuckets(
  throttles: RouteThrottles,
  now: () => number = () => performance.now(),
): (routeName: string) => boolean {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (routeName) => {
    const throttle = throttles[routeName];
    if (!throttle) return true;
    const at = now();
    const bucket = buckets.get(routeName) ?? { tokens: throttle.burstLimit, at };
    const refilled = ((at - bucket.at) / 1000) * throttle.rateLimit;
    bucket.tokens = Math.min(throttle.burstLimit, bucket.tokens + refilled);
    bucket.at = at;
    buckets.set(routeName, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };
}
