import { Duration } from 'aws-cdk-lib';
import {
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  type ErrorResponse,
  OriginRequestCookieBehavior,
  OriginRequestHeaderBehavior,
  OriginRequestPolicy,
  OriginRequestQueryStringBehavior,
} from 'aws-cdk-lib/aws-cloudfront';
import type { Construct } from 'constructs';

/**
 * The request headers the API's handlers read, and so the only ones CloudFront passes on:
 * Content-Type (415 for a body that is not JSON), If-None-Match (304 for pollers),
 * Idempotency-Key (create), and Origin with Sec-Fetch-Site (refusing requests from another
 * site; behind CloudFront the API sees its own execute-api host, not the viewer's, so the
 * browser's same-origin verdict is the dependable signal). Authorization is not here: CloudFront
 * refuses it in an origin request policy and forwards it only as part of a cache policy's key
 * (https://repost.aws/knowledge-center/cloudfront-authorization-header): apiCachePolicy below.
 */
export const API_REQUEST_HEADERS = [
  'Content-Type',
  'If-None-Match',
  'Idempotency-Key',
  'Origin',
  'Sec-Fetch-Site',
] as const;

/**
 * Every query string and the headers above, and no cookies: the API reads none, and CloudFront
 * does not support If-None-Match conditional requests when it forwards cookies
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Cookies.html).
 */
export function apiOriginRequestPolicy(scope: Construct, id: string): OriginRequestPolicy {
  return new OriginRequestPolicy(scope, id, {
    comment: 'Tasks API: all query strings, the headers the handlers read, no cookies',
    queryStringBehavior: OriginRequestQueryStringBehavior.all(),
    headerBehavior: OriginRequestHeaderBehavior.allowList(...API_REQUEST_HEADERS),
    cookieBehavior: OriginRequestCookieBehavior.none(),
  });
}

/**
 * The API behaviours' cache policy: it exists to put Authorization in the cache key, the only
 * way CloudFront forwards that header to the origin
 * (https://repost.aws/knowledge-center/cloudfront-authorization-header); with every TTL 0
 * caching is off and the policy may key on nothing. So caching stays on in name only: a
 * minimum TTL of 0 lets the API's `Cache-Control: no-cache`/`no-store`/`private` keep every
 * answer out of the cache (a minimum above 0 would override them), a default TTL of 0 keeps
 * out an answer that sends no Cache-Control, and the 1 s maximum bounds any other
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-cloudfront-cachepolicy-cachepolicyconfig.html).
 * Every query string is in the key too, so that even a cached answer could never serve
 * another page or filter, and each caller's answers are keyed by their own token.
 */
export function apiCachePolicy(scope: Construct, id: string): CachePolicy {
  return new CachePolicy(scope, id, {
    comment: 'Tasks API: keyed on Authorization so CloudFront forwards it; nothing cached',
    minTtl: Duration.seconds(0),
    defaultTtl: Duration.seconds(0),
    maxTtl: Duration.seconds(1),
    headerBehavior: CacheHeaderBehavior.allowList('Authorization'),
    queryStringBehavior: CacheQueryStringBehavior.all(),
    cookieBehavior: CacheCookieBehavior.none(),
  });
}

/**
 * The error statuses CloudFront may cache (10 s by default) and for which a distribution may set
 * the error caching TTL; the API's other errors (409, 412, 413, 415, 422, 429) are never cached
 * without a Cache-Control max-age, which the API does not send, and CloudFront accepts no custom
 * error response for them
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPStatusCodes.html,
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/custom-error-pages-expiration.html).
 */
export const CACHEABLE_ERROR_STATUSES = [
  400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504,
] as const;

/**
 * Error caching TTL 0 for each of them: a 404 for a task about to exist or a 503 while the
 * database recovers must not be replayed to the next request. The API behaviours' caching-disabled
 * policy already keeps them out of the cache; this holds even if that policy changes.
 */
export const UNCACHED_ERRORS: ErrorResponse[] = CACHEABLE_ERROR_STATUSES.map((httpStatus) => ({
  httpStatus,
  ttl: Duration.seconds(0),
}));
