/**
 * Telling "a service we depend on is unavailable right now" apart from every other error.
 * The names follow the AWS SDK's own retry classification (throttling, transient and
 * network errors, 5xx), so what the SDK would retry, we retry too.
 */

const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'LimitExceededException',
  'TransactionInProgressException',
  'SlowDown',
  'BandwidthLimitExceeded',
]);
const TRANSIENT_ERRORS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** AWS SDK errors that mean "not now": throttling, a timeout, a refused connection, a 5xx. */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, $metadata, $retryable } = error as Error & {
    code?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  return (
    THROTTLING_ERRORS.has(error.name) ||
    TRANSIENT_ERRORS.has(error.name) ||
    NETWORK_ERROR_CODES.has(code ?? '') ||
    $retryable !== undefined ||
    ($metadata?.httpStatusCode ?? 0) >= 500
  );
}

/**
 * Thrown by the worker when a dependency is unavailable. Its name is what Lambda reports
 * as `errorType`, which the workflow's Retry matches to retry for minutes, not seconds.
 */
export class DependencyUnavailableError extends Error {
  static readonly errorType = 'DependencyUnavailable';

  constructor(cause: unknown) {
    super(
      `A service the worker depends on is unavailable: ${cause instanceof Error ? cause.name : 'unknown error'}`,
      { cause },
    );
    this.name = DependencyUnavailableError.errorType;
  }
}
