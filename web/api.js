/**
 * The tasks API. Every URL is relative to the page, so the same files work behind
 * CloudFront and in local mode.
 */

const TIMEOUT_MS = 10_000;

/**
 * How requests are signed in: the Authorization header to send (none in open mode), and
 * what to do when the API refuses it (true: renewed, try once more).
 * @type {{ header(): Promise<string | null>, refused(): Promise<boolean> }}
 */
let auth = { header: async () => null, refused: async () => false };

/** @param {typeof auth} next */
export function useAuthorization(next) {
  auth = next;
}

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, or 0 when the service could not be reached
   * @param {string} message what went wrong, for a person
   * @param {string} [code] the API's stable error code
   */
  constructor(status, message, code) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/**
 * @param {string} method
 * @param {string} path relative URL, e.g. `tasks?limit=20`
 * @param {{ body?: unknown, headers?: Record<string, string>, signal?: AbortSignal }} [options]
 */
async function request(method, path, { body, headers = {}, signal } = {}, retried = false) {
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const authorization = await auth.header();
  const sent = authorization ? { ...headers, authorization } : headers;
  let response;
  try {
    response = await fetch(path, {
      method,
      // The dashboard sends its own If-None-Match; the HTTP cache must not answer for the API.
      cache: 'no-store',
      headers: body === undefined ? sent : { 'content-type': 'application/json', ...sent },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    const reason = timeout.aborted ? 'did not answer in time' : 'cannot be reached';
    throw new ApiError(0, `The tasks API ${reason}`, 'unreachable');
  }
  if (response.status === 401 && authorization && !retried && (await auth.refused()))
    return request(method, path, { body, headers, signal }, true);
  if (!response.ok && response.status !== 304) throw await errorOf(response);
  return response;
}

/** @param {Response} response */
async function errorOf(response) {
  try {
    const body = await response.json();
    if (typeof body?.error === 'string')
      return new ApiError(response.status, body.error, body.code);
    // API Gateway's own refusals: {"message": "Unauthorized"} or {"message": "Forbidden"}.
    if (typeof body?.message === 'string')
      return new ApiError(response.status, `The tasks API refused: ${body.message}`);
  } catch {
    // Not the API's JSON error (e.g. a proxy's page); fall through.
  }
  return new ApiError(response.status, `The tasks API answered ${response.status}`);
}

/**
 * The query of the page a `Link: <...>; rel="next"` header points to, or null.
 * @param {string | null} header
 * @returns {URLSearchParams | null}
 */
export function nextPageQuery(header) {
  for (const [, target, params] of (header ?? '').matchAll(/<([^>]*)>([^,]*)/g)) {
    if (/;\s*rel="?next"?/i.test(params)) return new URL(target, location.href).searchParams;
  }
  return null;
}

/**
 * One page of tasks, newest first. With `etag`, an unchanged page costs a bodiless 304.
 * @param {URLSearchParams} query
 * @param {{ etag?: string | null, signal?: AbortSignal }} [options]
 * @returns {Promise<{ changed: false } | { changed: true, tasks: object[], etag: string | null, next: URLSearchParams | null }>}
 */
export async function listTasks(query, { etag, signal } = {}) {
  const headers = etag ? { 'if-none-match': etag } : {};
  const response = await request('GET', `tasks?${query}`, { headers, signal });
  if (response.status === 304) return { changed: false };
  return {
    changed: true,
    tasks: await response.json(),
    etag: response.headers.get('etag'),
    next: nextPageQuery(response.headers.get('link')),
  };
}

/** @param {{ name: string, type: string, input: object }} fields */
export async function createTask(fields) {
  return (await request('POST', 'tasks', { body: fields })).json();
}

/** @param {string} taskId */
export async function cancelTask(taskId) {
  const path = `tasks/${encodeURIComponent(taskId)}/status`;
  return (await request('PATCH', path, { body: { status: 'CANCELLED' } })).json();
}

/** @param {string} taskId */
export async function deleteTask(taskId) {
  await request('DELETE', `tasks/${encodeURIComponent(taskId)}`);
}

/**
 * One task with its timeline (`events`, oldest first).
 * @param {string} taskId @param {{ signal?: AbortSignal }} [options]
 */
export async function getTask(taskId, { signal } = {}) {
  return (await request('GET', `tasks/${encodeURIComponent(taskId)}`, { signal })).json();
}

/** The true number of tasks per status: `{ counts: { PENDING: n, … }, total: n }`. */
export async function getTotals() {
  return (await request('GET', 'tasks/totals')).json();
}
