import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';

const BASE_DELAY_MS = { TRANSIENT: 50, THROTTLING: 500 } as const;
const MAX_DELAY_MS = 2_000;

/**
 * The SDK's standard retries (its own error classification, exponential backoff with full
 * jitter) without the client-wide retry quota. That quota (500 tokens, 14 per retry) is
 * shared by every call of one client: 35 retries among concurrent calls empty it, and
 * the next timeouts fail at their first attempt, whatever maxAttempts says.
 * One call still makes at most `maxAttempts` attempts.
 * Retry quota: https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
export function retriesWithoutQuota(
  maxAttempts: number,
  random: () => number = Math.random,
): RetryStrategyV2 {
  const token = (retryCount: number, delayMs: number): RetryToken => ({
    getRetryCount: () => retryCount,
    getRetryDelay: () => delayMs,
  });
  return {
    acquireInitialRetryToken: async () => token(0, 0),
    refreshRetryTokenForRetry: async (previous: RetryToken, { errorType }: RetryErrorInfo) => {
      const retries = previous.getRetryCount() + 1;
      if (retries >= maxAttempts || (errorType !== 'TRANSIENT' && errorType !== 'THROTTLING')) {
        // The SDK then throws the call's own error, not this one.
        throw new Error('No retry left for this call');
      }
      const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS[errorType] * 2 ** (retries - 1));
      return token(retries, Math.floor(random() * ceiling));
    },
    recordSuccess: () => {},
  };
}
