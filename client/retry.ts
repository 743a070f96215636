/**
 * Retries that cannot duplicate work: only requests that are safe to repeat (reads,
 * DELETE, PATCH — cancelling twice is cancelling once — and a POST carrying an
 * Idempotency-Key), only after a network error or a 429/503, waiting as `Retry-After`
 * says or, without one, backing off exponentially with jitter.
 */

export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts?: number;
  /** The longest wait between two attempts, whatever Retry-After asks. */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const RETRIED_STATUSES = new Set([429, 503]);
const BASE_DELAY_MS = 250;

function repeatable(request: Request): boolean {
  if (request.method === 'POST') return request.headers.has('idempotency-key');
  return ['GET', 'HEAD', 'DELETE', 'PATCH', 'PUT', 'OPTIONS'].includes(request.method);
}

/** Seconds (`120`) or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function retryingFetch(
  fetchImpl: (request: Request) => Promise<Response>,
  options: RetryOptions = {},
): (request: Request) => Promise<Response> {
  const maxAttempts = options.maxAttempts ?? 5;
  const maxDelayMs = options.maxDelayMs ?? 20_000;
  const sleep = options.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
  const random = options.random ?? Math.random;
  const backoff = (attempt: number) =>
    Math.min(maxDelayMs, BASE_DELAY_MS * 2 ** attempt * (0.5 + random() / 2));
  return async (request) => {
    const retries = repeatable(request) ? maxAttempts - 1 : 0;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetchImpl(request.clone());
      } catch (error) {
        if (attempt >= retries) throw error;
        await sleep(backoff(attempt));
        continue;
      }
      if (!RETRIED_STATUSES.has(response.status) || attempt >= retries) return response;
      const asked = retryAfterMs(response.headers.get('retry-after'));
      await response.body?.cancel();
      await sleep(Math.min(maxDelayMs, asked ?? backoff(attempt)));
    }
  };
}
